// Package runtimefake is a fake AWS Lambda Runtime API, enough to run the
// project's real bootstrap binaries (built with -tags lambda.norpc) outside
// AWS: the function polls /next, the test calls Invoke, and the function's
// /response or /error completes the Invoke.
//
// Endpoints (API version 2018-06-01):
//
//	GET  /2018-06-01/runtime/invocation/next
//	POST /2018-06-01/runtime/invocation/{id}/response
//	POST /2018-06-01/runtime/invocation/{id}/error
//	POST /2018-06-01/runtime/init/error
package runtimefake

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	apiPrefix = "/2018-06-01/runtime/"
	// MaxResponseSize is Lambda's limit for a buffered response payload.
	MaxResponseSize = 6 << 20
	// DefaultTimeout is the function timeout Invoke uses for the deadline
	// header when its context has no deadline.
	DefaultTimeout = 30 * time.Second
	// DefaultFunctionName names the function in ARNs and headers.
	DefaultFunctionName = "local-function"
)

// ErrClosed is returned by Invoke once the Runtime is closed.
var ErrClosed = errors.New("runtimefake: runtime closed")

// InvokeError is a function error (from /error, /init/error, or the process
// exiting mid-invocation), in the Lambda error payload shape.
type InvokeError struct {
	Type       string          `json:"errorType"`
	Message    string          `json:"errorMessage"`
	StackTrace json.RawMessage `json:"stackTrace,omitempty"`
	// Raw is the body the function posted, verbatim.
	Raw []byte `json:"-"`
}

func (e *InvokeError) Error() string {
	return fmt.Sprintf("lambda %s: %s", e.Type, e.Message)
}

// Runtime is a fake Runtime API listening on 127.0.0.1. It is safe for
// concurrent use, including several processes or a function polling /next
// concurrently (AWS_LAMBDA_MAX_CONCURRENCY).
type Runtime struct {
	// FunctionName is used in the invoked-function ARN; set it before the
	// first Invoke. New sets DefaultFunctionName.
	FunctionName string
	// Timeout is the function timeout used for the deadline header when
	// Invoke's context has no deadline. New sets DefaultTimeout.
	Timeout time.Duration
	// LogOutput, when set, also receives the stdout and stderr of processes
	// started with StartFunction (for example os.Stderr or a t.Log writer).
	LogOutput io.Writer

	ln     net.Listener
	srv    *http.Server
	queue  chan *invocation
	closed chan struct{}
	once   sync.Once

	mu        sync.Mutex
	idle      *sync.Cond // signalled when active drops to 0 after Close
	active    int        // handlers running
	isClosed  bool
	inflight  map[string]*invocation // dispatched, waiting for a result
	waiting   map[*invocation]bool   // queued, not yet dispatched
	firstNext time.Time
	initErr   *InvokeError
	procs     int    // running processes started by StartFunction
	hadProcs  bool   // StartFunction was used on this runtime
	lastExit  string // why the last process exited
	invokes   int
}

type invocation struct {
	id       string
	event    []byte
	deadline time.Time
	done     chan struct{}
	once     sync.Once
	resp     []byte
	err      error
}

func (inv *invocation) finish(resp []byte, err error) {
	inv.once.Do(func() {
		inv.resp, inv.err = resp, err
		close(inv.done)
	})
}

// New starts a Runtime on 127.0.0.1 with a free port. It panics if it
// cannot listen, like httptest.NewServer.
func New() *Runtime {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("runtimefake: listen: %v", err))
	}
	r := &Runtime{
		FunctionName: DefaultFunctionName,
		Timeout:      DefaultTimeout,
		ln:           ln,
		queue:        make(chan *invocation),
		closed:       make(chan struct{}),
		inflight:     map[string]*invocation{},
		waiting:      map[*invocation]bool{},
	}
	r.idle = sync.NewCond(&r.mu)
	r.srv = &http.Server{Handler: http.HandlerFunc(r.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = r.srv.Serve(ln) }()
	return r
}

// Addr is the host:port to put in AWS_LAMBDA_RUNTIME_API.
func (r *Runtime) Addr() string { return r.ln.Addr().String() }

// FunctionARN is the ARN sent in Lambda-Runtime-Invoked-Function-Arn.
func (r *Runtime) FunctionARN() string {
	return "arn:aws:lambda:us-east-1:000000000000:function:" + r.FunctionName
}

// FirstNextAt is when a function first called /next (zero if never); with
// Process.Started it measures a cold start.
func (r *Runtime) FirstNextAt() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.firstNext
}

// InitError is what the function reported to /runtime/init/error, or nil.
func (r *Runtime) InitError() *InvokeError {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.initErr
}

// Invocations is how many invocations have been handed to a function.
func (r *Runtime) Invocations() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.invokes
}

// Invoke queues one invocation and waits until a function takes it and posts
// its response (returned as is) or error (returned as *InvokeError). It
// returns ctx.Err() if ctx ends first and ErrClosed if the Runtime closes.
// Once an init error has been reported, Invoke returns it at once; once every
// process started with StartFunction has exited, Invoke fails at once with
// Runtime.ExitError. (Before any StartFunction, Invoke waits for whatever
// polls /next.)
func (r *Runtime) Invoke(ctx context.Context, event []byte) ([]byte, error) {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(r.Timeout)
	}
	inv := &invocation{id: newRequestID(), event: event, deadline: deadline, done: make(chan struct{})}
	r.mu.Lock()
	if ie := r.initErr; ie != nil {
		r.mu.Unlock()
		return nil, ie
	}
	if r.hadProcs && r.procs == 0 {
		r.mu.Unlock()
		return nil, &InvokeError{Type: "Runtime.ExitError", Message: "RequestId: " + inv.id + " Error: " + r.lastExit}
	}
	r.waiting[inv] = true
	r.mu.Unlock()
	// A dispatched invocation stays in inflight until the function posts its
	// result, even if this Invoke gives up, so a late result is still
	// accepted (a 4xx would make aws-lambda-go exit).
	defer func() {
		r.mu.Lock()
		delete(r.waiting, inv)
		r.mu.Unlock()
	}()

	select {
	case r.queue <- inv:
	case <-inv.done: // failed while queued (process exit, init error)
		return inv.resp, inv.err
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-r.closed:
		return nil, ErrClosed
	}
	select {
	case <-inv.done:
		return inv.resp, inv.err
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-r.closed:
		return nil, ErrClosed
	}
}

// Close stops the server. Blocked /next calls and pending Invokes return;
// Close waits for the server's handlers to finish.
func (r *Runtime) Close() {
	r.once.Do(func() {
		r.mu.Lock()
		r.isClosed = true
		r.mu.Unlock()
		close(r.closed)
		_ = r.srv.Close()
		r.mu.Lock()
		for r.active > 0 {
			r.idle.Wait()
		}
		r.mu.Unlock()
	})
}

// attach and detach track running processes (see StartFunction).
func (r *Runtime) attach() {
	r.mu.Lock()
	r.procs++
	r.hadProcs = true
	r.mu.Unlock()
}

// detach is called when a process exits. When the last process is gone,
// queued and in-flight invocations fail with Runtime.ExitError, as Lambda
// reports a runtime that dies mid-invocation, and so do later Invokes until
// another process is started.
func (r *Runtime) detach(exitErr error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.procs--
	if r.procs > 0 {
		return
	}
	msg := "Runtime exited without providing a reason"
	if exitErr != nil {
		msg = "Runtime exited with error: " + exitErr.Error()
	}
	r.lastExit = msg
	fail := func(inv *invocation) {
		inv.finish(nil, &InvokeError{Type: "Runtime.ExitError", Message: "RequestId: " + inv.id + " Error: " + msg})
	}
	for _, inv := range r.inflight {
		fail(inv)
	}
	for inv := range r.waiting {
		fail(inv)
	}
}

func (r *Runtime) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	if r.isClosed {
		r.mu.Unlock()
		http.Error(w, "runtime closed", http.StatusServiceUnavailable)
		return
	}
	r.active++
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.active--
		if r.active == 0 {
			r.idle.Broadcast()
		}
		r.mu.Unlock()
	}()
	path, ok := strings.CutPrefix(req.URL.Path, apiPrefix)
	if !ok {
		writeJSONError(w, http.StatusNotFound, "InvalidRequest", "unknown path "+req.URL.Path)
		return
	}
	switch {
	case path == "invocation/next" && req.Method == http.MethodGet:
		r.next(w, req)
	case path == "init/error" && req.Method == http.MethodPost:
		r.initError(w, req)
	case strings.HasPrefix(path, "invocation/") && req.Method == http.MethodPost:
		rest := strings.TrimPrefix(path, "invocation/")
		id, kind, ok := strings.Cut(rest, "/")
		if !ok || (kind != "response" && kind != "error") {
			writeJSONError(w, http.StatusNotFound, "InvalidRequest", "unknown path "+req.URL.Path)
			return
		}
		r.result(w, req, id, kind)
	default:
		writeJSONError(w, http.StatusMethodNotAllowed, "InvalidRequest", req.Method+" "+req.URL.Path+" not supported")
	}
}

func (r *Runtime) next(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	if r.firstNext.IsZero() {
		r.firstNext = time.Now()
	}
	r.mu.Unlock()

	var inv *invocation
	select {
	case inv = <-r.queue:
	case <-r.closed:
		http.Error(w, "runtime closed", http.StatusServiceUnavailable)
		return
	case <-req.Context().Done():
		return
	}
	r.mu.Lock()
	delete(r.waiting, inv)
	r.inflight[inv.id] = inv
	r.invokes++
	r.mu.Unlock()

	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", r.FunctionARN())
	h.Set("Lambda-Runtime-Trace-Id", traceID())
	h.Set("Content-Length", strconv.Itoa(len(inv.event)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(inv.event)
}

func (r *Runtime) result(w http.ResponseWriter, req *http.Request, id, kind string) {
	r.mu.Lock()
	inv := r.inflight[id]
	delete(r.inflight, id)
	r.mu.Unlock()
	if inv == nil {
		writeJSONError(w, http.StatusBadRequest, "InvalidRequestID", "unknown or finished request id "+id)
		return
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, MaxResponseSize+1))
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, "InvalidRequest", "read body: "+err.Error())
		return
	}
	// Streamed responses report a failure in trailers.
	if t := req.Trailer.Get("Lambda-Runtime-Function-Error-Type"); t != "" && kind == "response" {
		inv.finish(nil, &InvokeError{Type: t, Message: req.Trailer.Get("Lambda-Runtime-Function-Error-Body"), Raw: body})
		writeAccepted(w)
		return
	}
	if kind == "response" && len(body) > MaxResponseSize {
		inv.finish(nil, &InvokeError{Type: "Function.ResponseSizeTooLarge",
			Message: fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", MaxResponseSize)})
		writeJSONError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "response too large")
		return
	}
	var result error
	var resp []byte
	if kind == "error" {
		result = parseInvokeError(body, req.Header.Get("Lambda-Runtime-Function-Error-Type"))
	} else {
		resp = body
	}
	inv.finish(resp, result) // no-op if it already failed (e.g. process exit)
	writeAccepted(w)
}

func (r *Runtime) initError(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(req.Body, MaxResponseSize))
	ie := parseInvokeError(body, req.Header.Get("Lambda-Runtime-Function-Error-Type"))
	r.mu.Lock()
	r.initErr = ie
	waiting := make([]*invocation, 0, len(r.waiting))
	for inv := range r.waiting {
		waiting = append(waiting, inv)
	}
	r.mu.Unlock()
	for _, inv := range waiting {
		inv.finish(nil, ie)
	}
	writeAccepted(w)
}

func parseInvokeError(body []byte, headerType string) *InvokeError {
	ie := &InvokeError{}
	if err := json.Unmarshal(body, ie); err != nil {
		ie.Message = string(body)
	}
	ie.Raw = body
	if ie.Type == "" {
		ie.Type = headerType
	}
	if ie.Type == "" {
		ie.Type = "Unhandled"
	}
	return ie
}

func writeAccepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, `{"status":"OK"}`)
}

func writeJSONError(w http.ResponseWriter, status int, typ, msg string) {
	b, _ := json.Marshal(map[string]string{"errorType": typ, "errorMessage": msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func newRequestID() string {
	h := randomHex(16)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

func traceID() string {
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0", time.Now().Unix(), randomHex(12), randomHex(8))
}
