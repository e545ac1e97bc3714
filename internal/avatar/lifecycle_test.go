package avatar_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sessionhub/server/internal/avatar"
	"github.com/sessionhub/server/internal/platform/pubsub"
)

func TestStopClosesTheConnectionAndRecordsTheOpenUtterance(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	s := f.start(avatar.DefaultIdleTimeout)
	l := newLink()
	conn, _ := f.connect(f.svc, s.Session.ID, l)
	_ = conn.Voice(ctx, voice(pcm16(2400), avatar.EncodingPCM16, 24000))
	if err := f.svc.Stop(ctx, "key-1", s.Session.ID, s.Token); err != nil {
		t.Fatal(err)
	}
	l.expect(t, "ended:stopped")
	info, _ := f.utterance(s.Session.ID, 1)
	if info.Seconds() != 0.1 {
		t.Fatalf("open utterance recorded as %.3f s, want 0.1", info.Seconds())
	}
	if st := f.status(s.Session.ID); st.Counts.Utterances != 1 || st.Connected() {
		t.Fatalf("after stop: %+v", st)
	}
	if _, err := f.svc.Attach(ctx, s.Session.ID, newLink()); !errors.Is(err, avatar.ErrSessionEnded) {
		t.Fatalf("attach after stop: %v", err)
	}
}

// mutedBus carries no event: another process's delivery that has not
// arrived yet.
type mutedBus struct{ *pubsub.Local }

func (mutedBus) Publish(context.Context, string, []byte) error { return nil }

// TestStopEndsTheLiveSessionBeforeItReturns: once DELETE /session/stop has
// answered, the process holding the session takes no more frames of it,
// whenever the bus brings the event.
func TestStopEndsTheLiveSessionBeforeItReturns(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	svc, _ := f.serviceOn("instance-m", mutedBus{pubsub.NewLocal()})
	s, err := svc.Start(ctx, "key-1", cfg)
	if err != nil {
		t.Fatal(err)
	}
	l := newLink()
	conn, _ := f.connect(svc, s.Session.ID, l)
	if err := svc.Stop(ctx, "key-1", s.Session.ID, s.Token); err != nil {
		t.Fatal(err)
	}
	l.expect(t, "ended:stopped")
	stopped := f.status(s.Session.ID)
	if err := conn.Voice(ctx, voice(pcm16(2400), avatar.EncodingPCM16, 24000)); !errors.Is(err, avatar.ErrSessionEnded) {
		t.Errorf("voice after stop: %v, want ErrSessionEnded", err)
	}
	if err := conn.Special(ctx, "e1", "wave"); !errors.Is(err, avatar.ErrSessionEnded) {
		t.Errorf("special after stop: %v, want ErrSessionEnded", err)
	}
	if after := f.status(s.Session.ID); after.Counts != stopped.Counts {
		t.Errorf("counts of the stopped session moved: %+v, then %+v", stopped.Counts, after.Counts)
	}
}

func TestIdleSessionsEndByThemselves(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id := f.start(10 * time.Second).Session.ID
	never := f.start(0).Session.ID
	l := newLink()
	conn, _ := f.connect(f.svc, id, l)

	f.clock.Advance(5 * time.Second)
	conn.Received() // a frame: the deadline moves to +15 s
	if err := conn.Special(ctx, "e", "x"); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(9 * time.Second)
	if err := f.svc.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if f.status(id).State != avatar.StateActive {
		t.Fatal("ended before its idle timeout")
	}
	f.clock.Advance(time.Second)
	if err := f.svc.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	l.expect(t, "ended:idle_timeout")
	st := f.status(id)
	if st.State != avatar.StateEnded || st.EndedReason != avatar.EndedByIdleTimeout {
		t.Fatalf("after the idle timeout: %+v", st)
	}
	if err := f.svc.Stop(ctx, "key-1", id, mustToken(t, id)); !errors.Is(err, avatar.ErrNotFound) {
		t.Fatalf("stop after the idle timeout: %v", err)
	}
	f.clock.Advance(48 * time.Hour)
	_ = f.svc.Sweep(ctx)
	if f.status(never).State != avatar.StateActive {
		t.Fatal("a session with timeout 0 ended")
	}
}

// Every frame from the connected client is activity, heartbeats included:
// a silent agent keeps its avatar; only a gone one idles out (issue 9,
// item 1).
func TestEveryFrameIsActivity(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id := f.start(10 * time.Second).Session.ID
	conn, _ := f.connect(f.svc, id, newLink())
	for i := 0; i < 5; i++ { // 50 s of heartbeats only, one every 10 s minus a little
		f.clock.Advance(9 * time.Second)
		conn.Received()
		f.waitActivity(id, f.clock.Now())
		if err := f.svc.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		if st := f.status(id); st.State != avatar.StateActive {
			t.Fatalf("ended after %d heartbeats: %+v", i+1, st)
		}
	}
	if st := f.status(id); st.LastActivityAt == nil || !st.LastActivityAt.Equal(f.clock.Now()) {
		t.Fatalf("last_activity_at = %v, want the last heartbeat's time %v", st.LastActivityAt, f.clock.Now())
	}
	f.clock.Advance(10 * time.Second) // the agent is gone: no frame at all
	_ = f.svc.Sweep(ctx)
	if st := f.status(id); st.State != avatar.StateEnded || st.EndedReason != avatar.EndedByIdleTimeout {
		t.Fatalf("no frame for the idle timeout: %+v", st)
	}
}

// A deploy does not end live sessions: after the process holding the
// socket stops (gracefully or not), a reconnect with the same token to
// another process resumes the session (issue 9, item 2).
func TestSessionsSurviveTheirProcess(t *testing.T) {
	for _, graceful := range []bool{true, false} {
		name := map[bool]string{true: "graceful shutdown", false: "crash"}[graceful]
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			s := f.start(60 * time.Second)
			id := s.Session.ID
			// A crashed process hears nothing more: the other process gets a bus of its own.
			bus := f.bus
			if !graceful {
				bus = pubsub.NewLocal()
			}
			other, _ := f.serviceOn("instance-b", bus)
			if err := f.svc.Sweep(ctx); err != nil { // instance-a holds a lease
				t.Fatal(err)
			}
			conn, _ := f.connect(f.svc, id, newLink())
			if err := conn.Voice(ctx, voice(pcm16(2400), avatar.EncodingPCM16, 24000)); err != nil {
				t.Fatal(err)
			}
			if graceful {
				conn.Detach(ctx, true) // instance-a stops: sockets closed with 1001
				if err := f.svc.Shutdown(ctx); err != nil {
					t.Fatal(err)
				}
				if st := f.status(id); st.Connected() || st.Counts.Utterances != 1 {
					t.Fatalf("after a graceful stop: %+v; want not connected, the open utterance recorded", st)
				}
			} else {
				f.clock.Advance(avatar.LeaseTTL + time.Second) // instance-a's lease runs out
			}
			if err := other.Sweep(ctx); err != nil {
				t.Fatal(err)
			}
			st := f.status(id)
			if st.State != avatar.StateActive || st.Connected() {
				t.Fatalf("after its process stopped: %+v; want active, not connected", st)
			}
			if _, err := other.Authorize(ctx, s.Token, ""); err != nil {
				t.Fatalf("the token no longer opens a connection: %v", err)
			}
			again, res := f.connect(other, id, newLink())
			if !res.Resumed {
				t.Fatal("init on the new process: resumed = false")
			}
			// The first process's event of its attach, arriving only now (a
			// loaded bus), is older than this attach: the store says so, and
			// the new connection stays.
			avatar.AttachedElsewhere(other, ctx, id)
			if err := again.Voice(ctx, voice(pcm16(240), avatar.EncodingPCM16, 24000)); err != nil {
				t.Fatal(err)
			}
			if _, err := again.VoiceEnd(ctx); err != nil {
				t.Fatal(err)
			}
			// The new process recorded the resumed stream in the same data
			// directory, after what the first one recorded.
			f.utterance(id, map[bool]int{true: 2, false: 1}[graceful])
			if st := f.status(id); st.State != avatar.StateActive || !st.Connected() {
				t.Fatalf("after the reconnect: %+v", st)
			}
		})
	}
}

func mustToken(t *testing.T, id string) string {
	t.Helper()
	token, _, err := signer.Mint(id, id, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// TestATinyIdleTimeoutIsNotNever: activity_idle_timeout 1e-10 is below a
// Duration's resolution; it is the shortest timeout there is, not 0 (which
// disables it).
func TestATinyIdleTimeoutIsNotNever(t *testing.T) {
	for _, tc := range []struct {
		seconds float64
		want    time.Duration
	}{{0, 0}, {1e-10, time.Nanosecond}, {0.5, 500 * time.Millisecond}, {86400, 24 * time.Hour}} {
		if got := avatar.IdleTimeoutOf(tc.seconds); got != tc.want {
			t.Errorf("IdleTimeoutOf(%g) = %s, want %s", tc.seconds, got, tc.want)
		}
	}
	f := newFixture(t)
	id := f.start(avatar.IdleTimeoutOf(1e-10)).Session.ID
	f.clock.Advance(time.Second)
	if err := f.svc.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := f.status(id); st.State != avatar.StateEnded {
		t.Fatalf("a session with a 1e-10 s idle timeout, idle for a second: %s, want ended", st.State)
	}
}
