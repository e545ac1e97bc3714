// Command avatarload streams real-time audio into many avatar sessions of a
// server on this machine and reports the frame latency it sees and, given
// the server's pid, the server's CPU and memory per session.
//
// Each session is started over REST, connected, initialized, and then
// sends one PCM16 voice frame every frame interval (default 20 ms of 24 kHz
// audio, as Agora ConvoAI does), closes an utterance every second with
// voice_end, and follows every probe-th voice frame with a heartbeat. The
// server handles a connection's frames in order, so a heartbeat's round
// trip includes the voice frame before it: that is the frame processing
// latency reported. It only dials loopback addresses and stops after
// -duration (at most 10 minutes). The scenario itself is
// tools/loadgen/avatar, which tools/bench runs too.
//
//	go run ./tools/avatarload -addr 127.0.0.1:8080 -key KEY -sessions 200 -duration 30s -server-pid PID
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/sessionhub/server/tools/loadgen/avatar"
)

func main() {
	o := avatar.Options{Log: os.Stdout}
	flag.StringVar(&o.Addr, "addr", "127.0.0.1:8080", "server address (loopback only)")
	flag.StringVar(&o.Key, "key", os.Getenv("AVATAR_API_KEY"), "an AVATAR_API_KEYS key (default $AVATAR_API_KEY)")
	flag.IntVar(&o.Sessions, "sessions", 200, "concurrent sessions")
	flag.DurationVar(&o.Duration, "duration", 30*time.Second, "measured streaming time (at most 10m)")
	flag.DurationVar(&o.Warmup, "warmup", 5*time.Second, "streaming time before measuring")
	flag.DurationVar(&o.Frame, "frame", 20*time.Millisecond, "audio per voice frame")
	flag.IntVar(&o.SampleRate, "rate", 24000, "sample rate (Hz) of the PCM16 audio")
	flag.IntVar(&o.Probe, "probe", 5, "send a heartbeat after every probe-th voice frame")
	flag.IntVar(&o.ServerPID, "server-pid", 0, "the server's pid, to report its CPU and memory (Linux /proc)")
	flag.Parse()
	r, err := avatar.Run(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "avatarload:", err)
		os.Exit(1)
	}
	r.Print(os.Stdout)
}
