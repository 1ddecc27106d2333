// Package pgcluster provisions a private PostgreSQL cluster from the server
// binaries installed on the machine: initdb into a directory, a postmaster
// listening only on a Unix socket inside it, and a clean stop. `govhall` uses
// it for `.data/pg` when GOVHALL_DATABASE_URL is unset, and the test harness
// uses it for a throw-away cluster. When run as root, PostgreSQL runs as the
// `postgres` system user, as it refuses to run as root.
package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // PostgreSQL driver
)

// ErrNoPostgres is returned when no PostgreSQL server binaries are installed.
var ErrNoPostgres = errors.New("pgcluster: PostgreSQL server binaries (initdb, postgres) not found; install the Debian package postgresql")

// Superuser is the name of the cluster's superuser role.
const Superuser = "govhall"

// Options configure a cluster.
type Options struct {
	Dir    string // data directory; the socket lives in it too
	NoSync bool   // fsync off, for tests
	Logger *slog.Logger
}

// Cluster is a running (or reused) private PostgreSQL cluster.
type Cluster struct {
	dir   string
	cmd   *exec.Cmd
	done  chan error
	owned bool
	log   *slog.Logger
}

// BinDir returns the directory of the newest installed PostgreSQL server
// binaries, or ErrNoPostgres.
func BinDir() (string, error) {
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dir := strings.TrimSpace(string(out))
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgMajor(dirs[i]) > pgMajor(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "postgres")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		real, _ := filepath.EvalSymlinks(p)
		return filepath.Dir(real), nil
	}
	return "", ErrNoPostgres
}

func pgMajor(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// Start initialises the data directory if needed and starts PostgreSQL on a
// Unix socket in it. If a postmaster already serves the directory (another
// govhall process started it), Start reuses it and Stop leaves it running.
func Start(ctx context.Context, o Options) (*Cluster, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	c := &Cluster{dir: dir, log: log}
	if c.ping(ctx) == nil {
		log.Info("reusing running postgresql", "dir", dir)
		return c, nil
	}
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	cred, err := runAs()
	if err != nil {
		return nil, err
	}
	if err := c.initdb(ctx, bin, cred); err != nil {
		return nil, err
	}
	if err := c.start(ctx, bin, cred, o.NoSync); err != nil {
		return nil, err
	}
	return c, nil
}

// runAs returns the credential of the postgres user when running as root,
// nil otherwise.
func runAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgcluster: running as root needs the postgres system user: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func (c *Cluster) initdb(ctx context.Context, bin string, cred *syscall.Credential) error {
	if _, err := os.Stat(filepath.Join(c.dir, "PG_VERSION")); err == nil {
		return nil
	}
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return fmt.Errorf("pgcluster: create %s: %w", c.dir, err)
	}
	if cred != nil {
		if err := os.Chown(c.dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return fmt.Errorf("pgcluster: chown %s: %w", c.dir, err)
		}
	}
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", c.dir, "-U", Superuser,
		"--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	cmd.Dir = "/"
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pgcluster: initdb %s: %w\n%s", c.dir, err, out)
	}
	c.log.Info("initialised postgresql cluster", "dir", c.dir)
	return nil
}

func (c *Cluster) start(ctx context.Context, bin string, cred *syscall.Credential, noSync bool) error {
	args := []string{"-D", c.dir, "-k", c.dir, "-c", "listen_addresses=",
		"-c", "max_connections=200", "-c", "shared_buffers=256MB"}
	if noSync {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	logf, err := os.OpenFile(filepath.Join(filepath.Dir(c.dir), filepath.Base(c.dir)+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("pgcluster: open log: %w", err)
	}
	// pid file left by a crashed postmaster: postgres removes stale ones itself.
	c.cmd = exec.Command(filepath.Join(bin, "postgres"), args...)
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true}
	c.cmd.Dir = "/"
	c.cmd.Stdout, c.cmd.Stderr = logf, logf
	if err := c.cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("pgcluster: start postgres: %w", err)
	}
	c.owned = true
	c.done = make(chan error, 1)
	go func() { c.done <- c.cmd.Wait(); logf.Close() }()
	return c.waitReady(ctx)
}

func (c *Cluster) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if c.ping(ctx) == nil {
			c.log.Info("postgresql ready", "dir", c.dir)
			return nil
		}
		select {
		case err := <-c.done:
			return fmt.Errorf("pgcluster: postgres exited during start-up (%v); see %s.log", err, c.dir)
		case <-ctx.Done():
			c.Stop()
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	c.Stop()
	return fmt.Errorf("pgcluster: postgres did not become ready in 60s; see %s.log", c.dir)
}

func (c *Cluster) ping(ctx context.Context) error {
	if _, err := os.Stat(filepath.Join(c.dir, ".s.PGSQL.5432")); err != nil {
		return err
	}
	db, err := sqlx.Open("postgres", c.URL("postgres"))
	if err != nil {
		return err
	}
	defer db.Close()
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return db.PingContext(pctx)
}

// Dir returns the absolute data directory.
func (c *Cluster) Dir() string { return c.dir }

// URL returns a lib/pq connection URL for database name on this cluster.
func (c *Cluster) URL(name string) string {
	q := url.Values{"host": {c.dir}, "user": {Superuser}, "sslmode": {"disable"}}
	return "postgres:///" + url.PathEscape(name) + "?" + q.Encode()
}

// EnsureDatabase creates database name if it does not exist.
func (c *Cluster) EnsureDatabase(ctx context.Context, name string) error {
	db, err := sqlx.Open("postgres", c.URL("postgres"))
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	defer db.Close()
	var n int
	if err := db.GetContext(ctx, &n, `SELECT count(*) FROM pg_database WHERE datname = $1`, name); err != nil {
		return fmt.Errorf("pgcluster: look up database %s: %w", name, err)
	}
	if n > 0 {
		return nil
	}
	if _, err := db.ExecContext(ctx, `CREATE DATABASE `+quoteIdent(name)); err != nil {
		return fmt.Errorf("pgcluster: create database %s: %w", name, err)
	}
	return nil
}

// Stop shuts down the postmaster if this process started it (fast shutdown)
// and waits for it to exit.
func (c *Cluster) Stop() error {
	if !c.owned || c.cmd == nil || c.cmd.Process == nil {
		return nil
	}
	c.owned = false
	_ = c.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-c.done:
	case <-time.After(30 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
	c.log.Info("postgresql stopped", "dir", c.dir)
	return nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
