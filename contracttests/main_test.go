package contracttests

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/modules/postgres"

	"github.com/sessionhub/server/internal/platform/config"
	"github.com/sessionhub/server/internal/server"
)

// Credentials the suite configures its servers with; against a remote
// server, the ones it was configured with (see remote_test.go).
var (
	testJWTSecret   = "contract-suite-jwt-secret-0123456789abcdef"
	testAvatarKey   = "avatar-key-contract-1"
	testAvatarKey2  = "avatar-key-contract-2"
	testDecisionKey = "decision-key-contract-1"
)

const (
	defaultPGImage   = "postgres:16-alpine"
	containerTimeout = 3 * time.Minute
	// pgDataDir is PGDATA in both the official image and tools/testenv's.
	pgDataDir = "/var/lib/postgresql/data"
)

var (
	// adminDSN reaches the container's maintenance database; each server
	// gets a database of its own created through it.
	adminDSN string
	// admin keeps a few connections to the maintenance database for every
	// CREATE and DROP DATABASE: each new connection costs PostgreSQL a
	// process (about 90 ms of its CPU on the build machines), and a
	// connection per statement was two per test.
	admin *pgxpool.Pool
	dbSeq atomic.Int64
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if err := remote.configure(os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "contract suite:", err)
		return 2
	}
	if remote.enabled() {
		fmt.Printf("contract suite: against the server at %s (run %s)\n", remote.baseURL, remote.run)
		code := m.Run()
		remote.reportSkipped(os.Stdout)
		if !ledger.report(os.Stdout) && code == 0 {
			code = 1
		}
		return code
	}
	ctx, cancel := context.WithTimeout(context.Background(), containerTimeout)
	defer cancel()
	image := os.Getenv("CONTRACT_PG_IMAGE")
	if image == "" {
		image = defaultPGImage
	}
	start := time.Now()
	pg, err := postgres.Run(ctx, image,
		postgres.WithDatabase("contract"), postgres.WithUsername("contract"), postgres.WithPassword("contract"),
		postgres.BasicWaitStrategies(),
		// The data directory in memory: the suite creates and drops a database per test, and
		// creating their files on the container's overlay file system was a fifth of
		// PostgreSQL's CPU time (ext4 searching for free inodes). Nothing outlives the run.
		testcontainers.WithTmpfs(map[string]string{pgDataDir: "rw"}))
	if err != nil {
		fmt.Fprintf(os.Stderr, "contract suite: cannot start PostgreSQL (%s): %v\n"+
			"Run `make contract`, which prepares a container engine, or point DOCKER_HOST at one.\n", image, err)
		return 1
	}
	defer func() { _ = pg.Terminate(context.Background()) }()
	adminDSN, err = pg.ConnectionString(ctx, "sslmode=disable")
	if err != nil {
		fmt.Fprintln(os.Stderr, "contract suite:", err)
		return 1
	}
	adminConfig, err := pgxpool.ParseConfig(adminDSN)
	if err != nil {
		fmt.Fprintln(os.Stderr, "contract suite:", err)
		return 1
	}
	// Every database name is new: nothing to gain from preparing statements.
	adminConfig.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec
	if admin, err = pgxpool.NewWithConfig(ctx, adminConfig); err != nil {
		fmt.Fprintln(os.Stderr, "contract suite:", err)
		return 1
	}
	defer admin.Close()
	fmt.Printf("contract suite: PostgreSQL %s ready in %s\n", image, time.Since(start).Round(time.Millisecond))

	code := m.Run()
	if !ledger.report(os.Stdout) && code == 0 {
		code = 1
	}
	return code
}

// testServer is one running server instance on its own fresh database.
type testServer struct {
	srv     *server.Server
	baseURL string // http://127.0.0.1:port
	dsn     string
	cancel  context.CancelFunc
	stopped atomic.Bool
}

// newServer starts a server on a new, empty PostgreSQL database; against a
// remote server, it is that server (the test then shares it with every
// other and keeps to users of its own, see remote.subject).
func newServer(t *testing.T) *testServer {
	t.Helper()
	if remote.enabled() {
		return &testServer{baseURL: remote.baseURL}
	}
	return startServer(t, createDatabase(t), nil)
}

// startServer starts a server on dsn; tweak may adjust its configuration.
// Against a remote server the test is skipped: it needs servers of the
// suite's own (several on one database, a restart, a configuration).
func startServer(t *testing.T, dsn string, tweak func(*config.Config)) *testServer {
	t.Helper()
	remote.skip(t, "starts servers of its own (several on one database, a restart or a configuration of its own)")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	base := "http://" + ln.Addr().String()
	cfg, err := config.Load(func(k string) string {
		return map[string]string{
			"DATABASE_URL":      dsn,
			"DATA_DIR":          t.TempDir(),
			"PUBLIC_BASE_URL":   base,
			"AUTH_JWT_SECRET":   testJWTSecret,
			"AVATAR_API_KEYS":   testAvatarKey + "," + testAvatarKey2,
			"DECISION_API_KEYS": testDecisionKey,
		}[k]
	})
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	if tweak != nil {
		tweak(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := server.New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatalf("start server: %v", err)
	}
	ts := &testServer{srv: srv, baseURL: base, dsn: dsn, cancel: cancel}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { ts.shutdown(t) })
	return ts
}

// shutdown stops the server gracefully (idempotent).
func (ts *testServer) shutdown(t *testing.T) {
	if ts.stopped.Swap(true) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ts.srv.Shutdown(ctx); err != nil {
		t.Errorf("shutdown: %v", err)
	}
	ts.cancel()
}

// wsURL is the ws:// URL of path on this server.
func (ts *testServer) wsURL(path string) string {
	return "ws" + strings.TrimPrefix(ts.baseURL, "http") + path
}

// createDatabase makes an empty database for one test and drops it after.
func createDatabase(t *testing.T) string {
	t.Helper()
	remote.skip(t, "needs a database of its own")
	name := fmt.Sprintf("t%d_%d", time.Now().UnixNano()%1_000_000, dbSeq.Add(1))
	if _, err := admin.Exec(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, err := url.Parse(adminDSN)
	if err != nil {
		t.Fatalf("parse DSN: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// metric reads one sample of the server's /metrics (0 when absent).
func (ts *testServer) metric(series string) float64 {
	resp, err := http.Get(ts.baseURL + "/metrics")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, _ := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			return v
		}
	}
	return 0
}
