package testsuite

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/redsm5/supermax-hpo/workflows"
)

// composeService is what the test reads of one service in the output of
// `docker-compose config` (ports in the short form v1 prints:
// "127.0.0.1:7233:7233/tcp").
type composeService struct {
	Image       string            `yaml:"image"`
	Ports       []string          `yaml:"ports"`
	Environment map[string]string `yaml:"environment"`
	Command     []string          `yaml:"command"`
	Deploy      struct {
		Resources struct {
			Reservations struct {
				Devices []struct {
					Driver       string   `yaml:"driver"`
					Capabilities []string `yaml:"capabilities"`
				} `yaml:"devices"`
			} `yaml:"reservations"`
		} `yaml:"resources"`
	} `yaml:"deploy"`
}

// readmeService is one row of the README's compose-services table.
type readmeService struct {
	image, port string
	env         []string
}

// TestDockerComposeConfig validates docker-compose.yml with `docker-compose
// config` (no container engine needed) and checks it against the README's
// "Many machines" table: the same services, images, published ports (all
// on 127.0.0.1) and environment variable names; plus the search attributes
// temporal-setup registers (exactly workflows.SearchAttributes), the
// worker's GPU reservation, and the starter's ledger URL matching
// ledger-db's user, password and database.
func TestDockerComposeConfig(t *testing.T) {
	bin, err := exec.LookPath("docker-compose")
	if err != nil {
		t.Skip("skipping: no docker-compose (scripts/browser-tools.sh installs Debian's package; make test runs it)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-f", "../docker-compose.yml", "config")
	cmd.Env = composeEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("docker-compose config: %v\n%s", err, stderr.String())
	}
	var cfg struct {
		Services map[string]composeService `yaml:"services"`
	}
	if err := yaml.Unmarshal(out, &cfg); err != nil {
		t.Fatalf("decode docker-compose config output: %v\n%s", err, out)
	}
	readme := readReadmeServices(t)
	if got, want := sortedKeys(cfg.Services), sortedKeys(readme); !slices.Equal(got, want) {
		t.Fatalf("services: compose %v, README %v", got, want)
	}
	for name, svc := range cfg.Services {
		row := readme[name]
		if svc.Image != row.image {
			t.Errorf("%s: image %q in compose, %q in README", name, svc.Image, row.image)
		}
		var ports []string
		for _, p := range svc.Ports {
			if !strings.HasPrefix(p, "127.0.0.1:") {
				t.Errorf("%s: port %q is not bound to 127.0.0.1", name, p)
			}
			parts := strings.Split(strings.TrimSuffix(p, "/tcp"), ":")
			ports = append(ports, parts[0]+":"+parts[1])
		}
		if got := strings.Join(ports, ", "); got != row.port {
			t.Errorf("%s: published ports %q in compose, %q in README", name, got, row.port)
		}
		if got := sortedKeys(svc.Environment); !slices.Equal(got, row.env) {
			t.Errorf("%s: environment %v in compose, %v in README", name, got, row.env)
		}
	}
	setup := strings.Join(cfg.Services["temporal-setup"].Command, " ")
	var want []string
	for _, sa := range workflows.SearchAttributes() {
		want = append(want, fmt.Sprintf("--name %s --type %s", sa.Name, sa.Type))
	}
	if got := strings.Count(setup, "--name "); got != len(want) {
		t.Errorf("temporal-setup registers %d search attributes, want %d", got, len(want))
	}
	for _, w := range want {
		if !strings.Contains(setup, w) {
			t.Errorf("temporal-setup does not register %q", w)
		}
	}
	devs := cfg.Services["worker"].Deploy.Resources.Reservations.Devices
	if len(devs) != 1 || devs[0].Driver != "nvidia" || !slices.Contains(devs[0].Capabilities, "gpu") {
		t.Errorf("worker GPU reservation %+v, want one nvidia device with capability gpu", devs)
	}
	db := cfg.Services["ledger-db"].Environment
	url := fmt.Sprintf("postgresql://%s:%s@ledger-db:5432/%s", db["POSTGRES_USER"], db["POSTGRES_PASSWORD"], db["POSTGRES_DB"])
	if !slices.Contains(cfg.Services["starter"].Command, url) {
		t.Errorf("starter command %q lacks the ledger URL %s", cfg.Services["starter"].Command, url)
	}
}

// composeEnv is our environment without the variables the compose file
// reads, so the defaults are checked.
func composeEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "DEVICES", "AGENT", "N_TRIALS", "PAR", "HPO_EPOCHS", "HPO_PATIENCE", "HPO_RUNS_HOST_DIR", "HPO_DATA_HOST_DIR", "HPO_MODELS_HOST_DIR":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// readReadmeServices parses the table between the compose-services
// markers of ../README.md.
func readReadmeServices(t *testing.T) map[string]readmeService {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]readmeService{}
	in := false
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "<!-- compose-services: begin -->":
			in = true
			continue
		case line == "<!-- compose-services: end -->":
			in = false
		}
		if !in || !strings.HasPrefix(line, "|") || strings.HasPrefix(line, "|---") || strings.HasPrefix(line, "| service ") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) != 4 {
			t.Fatalf("README compose-services row %q: want 4 cells", line)
		}
		var env []string
		for _, e := range strings.Split(cells[3], ",") {
			if e = strings.TrimSpace(e); e != "" {
				env = append(env, e)
			}
		}
		sort.Strings(env)
		out[strings.TrimSpace(cells[0])] = readmeService{image: strings.TrimSpace(cells[1]), port: strings.TrimSpace(cells[2]), env: env}
	}
	if len(out) == 0 {
		t.Fatal("README.md has no compose-services table")
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
