package avatar_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/sessionhub/server/internal/avatar"
	"github.com/sessionhub/server/internal/avatar/recording"
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
	info, _ := readWAV(t, filepath.Join(f.rec.Dir(s.Session.ID), recording.UtteranceName(1)))
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

func TestIdleSessionsEndByThemselves(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id := f.start(10 * time.Second).Session.ID
	never := f.start(0).Session.ID
	l := newLink()
	conn, _ := f.connect(f.svc, id, l)

	f.clock.Advance(5 * time.Second)
	if err := conn.Special(ctx, "e", "x"); err != nil { // activity: the deadline moves to +15 s
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

func TestInitIsNotActivity(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id := f.start(10 * time.Second).Session.ID
	conn, _ := f.connect(f.svc, id, newLink())
	f.clock.Advance(6 * time.Second)
	if _, err := conn.Init(ctx, avatar.InitRequest{SessionID: id, Config: cfg}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(4 * time.Second)
	_ = f.svc.Sweep(ctx)
	if st := f.status(id); st.State != avatar.StateEnded || st.LastActivityAt != nil {
		t.Fatalf("init extended the idle clock: %+v", st)
	}
}

func TestSessionsOfAStoppedProcessEnd(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id := f.start(0).Session.ID
	other, _ := f.service("instance-b")
	if err := f.svc.Sweep(ctx); err != nil { // instance-a holds a lease
		t.Fatal(err)
	}
	conn, _ := f.connect(f.svc, id, newLink())
	if err := other.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if f.status(id).State != avatar.StateActive {
		t.Fatal("a live process's session was ended")
	}
	conn.Detach(ctx, true) // instance-a stops: sockets closed with 1001
	if err := f.svc.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := other.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if st := f.status(id); st.State != avatar.StateEnded || st.EndedReason != avatar.EndedByRestart {
		t.Fatalf("after its process stopped: %+v", st)
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
