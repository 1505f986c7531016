package local

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Dir is the folder under an outdir that holds the state file, the lock and
// the logs of the processes this package starts.
const Dir = ".supermax"

// State is what one outdir's tune-supermax runs started and still own.
type State struct {
	// Server is the dev server started for this outdir, or nil when the
	// study uses a server of its own (TEMPORAL_ADDRESS).
	Server *Server `json:"server,omitempty"`
	// Workers are the worker processes started, one per device slot.
	Workers []Proc `json:"workers"`
}

// Server is a dev server process and where it listens.
type Server struct {
	Proc
	// Address is the gRPC host:port; UI the Web UI base URL.
	Address string `json:"address"`
	UI      string `json:"ui"`
	// DB is the SQLite file that keeps the server's state across restarts.
	DB string `json:"db"`
}

// Proc is a background process this package started.
type Proc struct {
	PID int `json:"pid"`
	// Exe is the executable path, checked against /proc/<pid>/cmdline so a
	// reused PID is not taken for ours.
	Exe string `json:"exe"`
	// Device is the worker's --devices value (workers only).
	Device string `json:"device,omitempty"`
	// Log is the file that receives the process's output.
	Log string `json:"log"`
}

// statePath is the state file of outdir.
func statePath(outdir string) string { return filepath.Join(outdir, Dir, "local.json") }

// LoadState reads outdir's state file; a missing file is an empty State.
// A file that is not valid JSON is an error naming it.
func LoadState(outdir string) (State, error) {
	var s State
	b, err := os.ReadFile(statePath(outdir))
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("read %s: %w", statePath(outdir), err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("%s is not a local state file (delete it if no process of it runs): %w", statePath(outdir), err)
	}
	return s, nil
}

// saveState replaces outdir's state file atomically.
func saveState(outdir string, s State) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encode local state: %w", err)
	}
	path := statePath(outdir)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	return nil
}

// lock takes the exclusive lock of outdir's state, creating <outdir>/.supermax;
// it blocks while another starter holds it. The returned function releases it.
func lock(outdir string) (func(), error) {
	dir := filepath.Join(outdir, Dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
