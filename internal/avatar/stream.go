package avatar

import (
	"context"
	"fmt"
	"time"
)

// InitRequest is an init command: the session it names and the
// configuration fields it carries (the others keep the session's values).
type InitRequest struct {
	SessionID string
	Patch     ConfigPatch
}

// InitResult is what an accepted init settled.
type InitResult struct {
	SessionID   string
	IdleTimeout time.Duration
	Resumed     bool // the session had been initialized before
}

// Init binds the connection to its session's configuration. It may be
// repeated; each accepted init's fields replace the stored ones.
func (c *Connection) Init(ctx context.Context, req InitRequest) (InitResult, error) {
	s, ls := c.svc, c.ls
	if req.SessionID != ls.id {
		return InitResult{}, ErrSessionMismatch
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if err := c.usableLocked(); err != nil {
		return InitResult{}, err
	}
	sess, err := s.store.Find(ctx, ls.id)
	if err != nil {
		return InitResult{}, err
	}
	cfg, err := req.Patch.apply(sess.Config)
	if err != nil {
		return InitResult{}, err
	}
	base := sess.CreatedAt
	if sess.LastActivityAt != nil {
		base = *sess.LastActivityAt
	}
	if ls.activity != nil && ls.activity.After(base) {
		base = *ls.activity
	}
	resumed, err := s.store.Configure(ctx, ls.id, cfg, IdleDeadline(base, cfg.ActivityIdleTimeout))
	if err != nil {
		return InitResult{}, fmt.Errorf("store init: %w", err)
	}
	ls.timeout = cfg.ActivityIdleTimeout
	if err := s.sink.Configure(ctx, ls.id, cfg); err != nil {
		return InitResult{}, fmt.Errorf("configure audio sink: %w", err)
	}
	c.initialized = true
	return InitResult{SessionID: ls.id, IdleTimeout: cfg.ActivityIdleTimeout, Resumed: resumed}, nil
}

// Voice appends one voice frame to the open utterance, opening one when
// none is open. A partial sample at the end of the frame (an odd byte of
// PCM16) is carried over to the front of the utterance's next frame, so
// the sink only ever sees whole samples.
func (c *Connection) Voice(ctx context.Context, v Voice) error {
	if !c.initialized {
		return ErrNotInitialized
	}
	format, pcm, err := v.decode()
	if err != nil {
		return err
	}
	s, ls := c.svc, c.ls
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if err := c.usableLocked(); err != nil {
		return err
	}
	u := &ls.utterance
	if u.open && u.format != format {
		return &FormatChangedError{Want: u.format}
	}
	if u.open && len(u.carry) > 0 {
		pcm = append(u.carry[:len(u.carry):len(u.carry)], pcm...)
	}
	whole := len(pcm) - len(pcm)%format.BytesPerSample()
	if whole > 0 {
		if err := s.sink.Audio(ctx, ls.id, format, pcm[:whole]); err != nil {
			return fmt.Errorf("audio sink: %w", err)
		}
	}
	if !u.open {
		*u = openUtterance{open: true, format: format}
	}
	u.carry = append(u.carry[:0], pcm[whole:]...)
	u.frames++
	u.bytes += int64(whole)
	ls.pending.Frames++
	return nil
}

// VoiceEnd completes the open utterance (recorded) and reports it.
func (c *Connection) VoiceEnd(ctx context.Context) (Utterance, error) {
	var done Utterance
	err := c.command(ctx, func(s *Service, ls *liveSession) error {
		if !ls.utterance.open {
			return nil
		}
		var err error
		done, err = s.commitLocked(ctx, ls)
		return err
	})
	return done, err
}

// Interrupt drops the open utterance's audio and counts an interruption.
func (c *Connection) Interrupt(ctx context.Context) (Dropped, error) {
	var dropped Dropped
	err := c.command(ctx, func(s *Service, ls *liveSession) error {
		if u := ls.utterance; u.open {
			ls.utterance = openUtterance{} // over even if the sink fails (AudioSink)
			if err := s.sink.Interrupt(ctx, ls.id); err != nil {
				return fmt.Errorf("audio sink: %w", err)
			}
			dropped = Dropped{Seconds: u.format.Seconds(u.bytes), Frames: u.frames}
		}
		ls.pending.Interruptions++
		return nil
	})
	return dropped, err
}

// Special records a special instruction; its content is not interpreted.
func (c *Connection) Special(ctx context.Context, eventID, content string) error {
	return c.command(ctx, func(s *Service, ls *liveSession) error {
		if err := s.sink.Special(ctx, ls.id, Special{EventID: eventID, Content: content, ReceivedAt: s.now()}); err != nil {
			return fmt.Errorf("audio sink: %w", err)
		}
		ls.pending.Specials++
		return nil
	})
}

// command runs a stream command other than voice: under the session's
// lock, then its counts (and the frame's activity) are written before the
// reply, so the status call agrees with what the client was told.
func (c *Connection) command(ctx context.Context, fn func(*Service, *liveSession) error) error {
	if !c.initialized {
		return ErrNotInitialized
	}
	s, ls := c.svc, c.ls
	ls.mu.Lock()
	err := c.usableLocked()
	if err == nil {
		err = fn(s, ls)
	}
	ls.mu.Unlock()
	if err != nil {
		return err
	}
	s.flush(ctx, ls)
	return nil
}

// usableLocked refuses work for an ended session or a replaced connection
// (its socket is closing; the frame is dropped).
func (c *Connection) usableLocked() error {
	if c.ls.ended || c.ls.linkSeq != c.seq {
		return ErrSessionEnded
	}
	return nil
}

// commitLocked completes the open utterance in the sink and counts it. An
// utterance whose frames held less than one sample reached the sink with
// nothing: it is closed without being recorded. One the sink fails to
// complete is over all the same, not recorded and not counted.
func (s *Service) commitLocked(ctx context.Context, ls *liveSession) (Utterance, error) {
	u := ls.utterance
	ls.utterance = openUtterance{} // over even if the sink fails (AudioSink)
	if u.bytes == 0 {
		return Utterance{Frames: u.frames}, nil
	}
	if err := s.sink.EndUtterance(ctx, ls.id); err != nil {
		return Utterance{}, fmt.Errorf("audio sink: %w", err)
	}
	done := Utterance{Recorded: true, Seconds: u.format.Seconds(u.bytes), Frames: u.frames}
	ls.pending.Utterances++
	ls.pending.AudioSeconds += done.Seconds
	return done, nil
}

// maxFlushDelay bounds how long a voice frame's counts and activity stay
// unwritten.
const maxFlushDelay = time.Second

// flushEvery is how often a streaming session's state is written: often
// enough that the stored idle deadline is never behind by more than a
// quarter of the timeout.
func flushEvery(timeout time.Duration) time.Duration {
	if timeout > 0 && timeout/4 < maxFlushDelay {
		return timeout / 4
	}
	return maxFlushDelay
}

// activityLocked notes an activity (a frame from the session's client).
// Frames never wait for the database: their counts and activity are
// written by a timer at most flushEvery later. The caller of a command
// that needs its counts written before the reply calls flush after
// releasing ls.mu.
func (s *Service) activityLocked(ls *liveSession) {
	at := s.now()
	ls.activity = &at
	if ls.flushLater != nil {
		return
	}
	wait := ls.lastFlush.Add(flushEvery(ls.timeout)).Sub(at)
	ls.flushLater = time.AfterFunc(max(wait, 0), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.flush(ctx, ls)
	})
}

// flush writes the pending counts and activity. Writes of one session are
// serialized by flushMu; frames keep flowing meanwhile (ls.mu is held only
// to take the pending state).
func (s *Service) flush(ctx context.Context, ls *liveSession) {
	ls.flushMu.Lock()
	defer ls.flushMu.Unlock()
	ls.mu.Lock()
	d := s.takePendingLocked(ls)
	ls.mu.Unlock()
	if err := s.record(ctx, ls, d); err != nil {
		ls.mu.Lock()
		ls.pending.add(d.Counts) // retried with the next write
		if ls.activity == nil {
			ls.activity = d.Activity
		}
		ls.mu.Unlock()
	}
}

// takePendingLocked hands the unwritten state over to a writer. Counts
// are added in the database, so writes may overlap without loss.
func (s *Service) takePendingLocked(ls *liveSession) Delta {
	d := Delta{Counts: ls.pending, Activity: ls.activity}
	if ls.activity != nil {
		d.Deadline = IdleDeadline(*ls.activity, ls.timeout)
	}
	ls.pending, ls.activity = Counts{}, nil
	if ls.flushLater != nil {
		ls.flushLater.Stop()
		ls.flushLater = nil
	}
	ls.lastFlush = s.now()
	return d
}

func (s *Service) record(ctx context.Context, ls *liveSession, d Delta) error {
	if d.Counts == (Counts{}) && d.Activity == nil {
		return nil
	}
	err := s.writer.write(ctx, ls.id, d)
	if err != nil {
		s.log.Error("avatar: write session counts", "session", ls.id, "err", err)
	}
	return err
}
