// Package avatar streams real-time audio into many avatar sessions of a
// server on this machine and reports the frame latency it sees and, given
// the server's pid, the server's CPU and memory per session.
//
// Each session is started over REST, connected, initialized, and then
// sends one PCM16 voice frame every frame interval (default 20 ms of 24 kHz
// audio, as Agora ConvoAI does), closes an utterance every second with
// voice_end, and follows every Probe-th voice frame with a heartbeat. The
// server handles a connection's frames in order, so a heartbeat's round
// trip includes the voice frame before it: that is the frame processing
// latency reported. It only dials loopback addresses and stops after
// Duration (at most 10 minutes).
package avatar

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/sessionhub/server/tools/loadgen"
)

// Options say what to run.
type Options struct {
	Addr       string // server host:port, loopback only
	Key        string // an AVATAR_API_KEYS key
	Sessions   int
	Duration   time.Duration // measured streaming time, at most 10m
	Warmup     time.Duration // streaming time before measuring
	Frame      time.Duration // audio per voice frame
	SampleRate int           // Hz of the PCM16 audio
	Probe      int           // a heartbeat after every Probe-th voice frame
	ServerPID  int           // the server's pid, to report its CPU and memory; 0 for none
	Log        io.Writer     // progress lines; nil for none
}

func (o Options) validate() error {
	if err := loadgen.CheckLoopback(o.Addr); err != nil {
		return err
	}
	if o.Duration <= 0 || o.Duration > 10*time.Minute || o.Key == "" || o.Sessions <= 0 || o.Probe <= 0 ||
		o.Frame <= 0 || o.SampleRate <= 0 || o.Warmup < 0 {
		return errors.New("need a key, sessions > 0, probe > 0, frame > 0, rate > 0, warm-up ≥ 0 and 0 < duration <= 10m")
	}
	return nil
}

// Result is what one run observed.
type Result struct {
	Options Options
	Frames  int64 // voice frames sent
	Errors  int64 // error replies
	Latency loadgen.Latencies
	// Server is set when Options.ServerPID was: the server process before
	// the sessions started, and at the start and end of the measured time.
	Server *ServerUse
}

// ServerUse is the server process's CPU and memory around the measurement.
type ServerUse struct {
	Before, AtStart, AtEnd loadgen.ProcStats
}

// CPUPerSession is the fraction of one core the server spent per session
// while measuring.
func (r Result) CPUPerSession() float64 { return r.cpu() / float64(r.Options.Sessions) }

func (r Result) cpu() float64 {
	return (r.Server.AtEnd.CPU - r.Server.AtStart.CPU).Seconds() / r.Options.Duration.Seconds()
}

// ResidentBytesPerSession is the server's RSS growth per streaming session.
func (r Result) ResidentBytesPerSession() float64 {
	return float64(r.Server.AtEnd.ResidentBytes-r.Server.Before.ResidentBytes) / float64(r.Options.Sessions)
}

// Print writes the result as avatarload always has.
func (r Result) Print(w io.Writer) {
	o := r.Options
	fmt.Fprintf(w, "sessions %d, %s frames of %d Hz PCM16, measured %s after %s warm-up\n", o.Sessions, o.Frame, o.SampleRate, o.Duration, o.Warmup)
	fmt.Fprintf(w, "voice frames sent %d, error replies %d, latency probes %d\n", r.Frames, r.Errors, len(r.Latency))
	fmt.Fprintf(w, "frame latency (voice frame + heartbeat round trip): p50 %s, p99 %s, max %s\n",
		r.Latency.Percentile(0.50).Round(10*time.Microsecond), r.Latency.Percentile(0.99).Round(10*time.Microsecond), r.Latency.Max().Round(10*time.Microsecond))
	if r.Server == nil {
		return
	}
	fmt.Fprintf(w, "server CPU: %.1f%% of one core in total, %.3f%% per session\n", 100*r.cpu(), 100*r.CPUPerSession())
	fmt.Fprintf(w, "server RSS: %.1f MiB before, %.1f MiB streaming: %.0f KiB per session\n",
		float64(r.Server.Before.ResidentBytes)/(1<<20), float64(r.Server.AtEnd.ResidentBytes)/(1<<20), r.ResidentBytesPerSession()/1024)
}

// Run starts the sessions, streams into them and stops them.
func Run(o Options) (Result, error) {
	if err := o.validate(); err != nil {
		return Result{}, err
	}
	procStats := func() (loadgen.ProcStats, error) { return loadgen.ProcStats{}, nil }
	if o.ServerPID != 0 {
		procStats = func() (loadgen.ProcStats, error) { return loadgen.ReadProc(o.ServerPID) }
	}
	before, err := procStats()
	if err != nil {
		return Result{}, fmt.Errorf("server process: %w", err)
	}
	stats := &recorder{}
	sessions := make([]*session, 0, o.Sessions)
	defer func() {
		for _, s := range sessions {
			s.stop(o)
		}
	}()
	for i := range o.Sessions {
		s, err := open(o)
		if err != nil {
			return Result{}, fmt.Errorf("session %d: %w", i, err)
		}
		sessions = append(sessions, s)
	}
	if o.Log != nil {
		fmt.Fprintf(o.Log, "%d sessions connected and initialized\n", len(sessions))
	}

	stopAt := time.Now().Add(o.Warmup + o.Duration)
	measureFrom := time.Now().Add(o.Warmup)
	var wg sync.WaitGroup
	for i, s := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Spread the sessions over one frame interval, as independent
			// callers would be.
			time.Sleep(time.Duration(i) * o.Frame / time.Duration(len(sessions)))
			s.stream(o, stats, measureFrom, stopAt)
		}()
	}
	time.Sleep(time.Until(measureFrom))
	atStart, errStart := procStats()
	time.Sleep(time.Until(stopAt))
	atEnd, errEnd := procStats()
	wg.Wait()
	if err := errors.Join(errStart, errEnd); err != nil {
		return Result{}, fmt.Errorf("server process: %w", err)
	}
	r := Result{Options: o, Frames: stats.frames, Errors: stats.errors, Latency: loadgen.SortLatencies(stats.latencies)}
	if o.ServerPID != 0 {
		r.Server = &ServerUse{Before: before, AtStart: atStart, AtEnd: atEnd}
	}
	return r, nil
}

// recorder collects what the sessions observed.
type recorder struct {
	mu        sync.Mutex
	latencies []time.Duration
	frames    int64
	errors    int64
}

func (r *recorder) latency(d time.Duration) {
	r.mu.Lock()
	r.latencies = append(r.latencies, d)
	r.mu.Unlock()
}
func (r *recorder) frame()  { r.mu.Lock(); r.frames++; r.mu.Unlock() }
func (r *recorder) failed() { r.mu.Lock(); r.errors++; r.mu.Unlock() }
