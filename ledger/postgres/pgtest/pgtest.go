// Package pgtest starts a throwaway PostgreSQL server for tests: initdb into
// a temp dir, postgres on a free loopback port, trust authentication, no
// fsync. The binaries come from $PG_BINDIR, /usr/lib/postgresql/*/bin,
// /usr/local/bin or $PATH (scripts/postgres.sh installs them). As root the
// server runs as the "postgres" user (PostgreSQL refuses to run as root).
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNoServer: the PostgreSQL binaries (or, as root, the postgres user)
// are missing; tests skip and say to run scripts/postgres.sh.
var ErrNoServer = errors.New("no PostgreSQL server binaries (run scripts/postgres.sh)")

// Server is a running throwaway server. Stop it when done.
type Server struct {
	dir    string
	bindir string
	port   int
	runAs  []string // command prefix that runs a binary as the server's user
}

// Start initializes a cluster in a new temp dir and starts the server; it
// blocks until the server accepts connections (or fails, cleaning up).
func Start(ctx context.Context) (*Server, error) {
	bindir, err := findBinDir()
	if err != nil {
		return nil, err
	}
	s := &Server{bindir: bindir}
	if s.dir, err = os.MkdirTemp("", "supermax-pgtest-"); err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	if err := s.dropRoot(); err != nil {
		return nil, errors.Join(err, os.RemoveAll(s.dir))
	}
	if err := s.initdb(ctx); err != nil {
		return nil, errors.Join(err, os.RemoveAll(s.dir))
	}
	for attempt := 0; ; attempt++ {
		err = s.start(ctx)
		if err == nil {
			return s, nil
		}
		if attempt == 2 || ctx.Err() != nil {
			return nil, errors.Join(err, os.RemoveAll(s.dir))
		}
	}
}

func findBinDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Sort(sort.Reverse(sort.StringSlice(dirs))) // highest version first (lexicographic; Debian ships one)
	if d := os.Getenv("PG_BINDIR"); d != "" {
		dirs = append([]string{d}, dirs...)
	}
	dirs = append(dirs, "/usr/local/bin")
	if p, err := exec.LookPath("initdb"); err == nil {
		dirs = append(dirs, filepath.Dir(p))
	}
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "pg_ctl")) {
			return d, nil
		}
	}
	return "", ErrNoServer
}

func isExec(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode()&0o111 != 0
}

// dropRoot makes the temp dir the postgres user's when running as root.
func (s *Server) dropRoot() error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("%w: running as root and %v", ErrNoServer, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(s.dir, uid, gid); err != nil {
		return fmt.Errorf("pgtest: chown %s: %w", s.dir, err)
	}
	runuser, err := exec.LookPath("runuser")
	if err != nil {
		return fmt.Errorf("%w: running as root without runuser: %v", ErrNoServer, err)
	}
	s.runAs = []string{runuser, "-u", "postgres", "--"}
	return nil
}

func (s *Server) run(ctx context.Context, name string, args ...string) error {
	argv := append(append(append([]string{}, s.runAs...), filepath.Join(s.bindir, name)), args...)
	out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("pgtest: %s: %w\n%s", name, err, out)
	}
	return nil
}

func (s *Server) data() string { return filepath.Join(s.dir, "data") }

func (s *Server) initdb(ctx context.Context) error {
	return s.run(ctx, "initdb", "-D", s.data(), "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-sync")
}

func (s *Server) start(ctx context.Context) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	s.port = port
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off", port, s.dir)
	return s.run(ctx, "pg_ctl", "-D", s.data(), "-o", opts, "-l", filepath.Join(s.dir, "server.log"), "-w", "-t", "60", "start")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// URL returns the connection URL of database db on this server.
func (s *Server) URL(db string) string {
	return fmt.Sprintf("postgresql://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, db)
}

// CreateDB creates an empty database (name: lowercase letters, digits and
// underscores) and returns its URL.
func (s *Server) CreateDB(ctx context.Context, name string) (string, error) {
	if name == "" || strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789_") != "" {
		return "", fmt.Errorf("pgtest: database name %q: want lowercase letters, digits and _", name)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return "", fmt.Errorf("pgtest: connect: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("pgtest: create database %s: %w", name, err)
	}
	return s.URL(name), nil
}

// Stop stops the server at once and removes its files.
func (s *Server) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := s.run(ctx, "pg_ctl", "-D", s.data(), "-m", "immediate", "-w", "stop")
	return errors.Join(err, os.RemoveAll(s.dir))
}
