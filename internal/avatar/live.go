package avatar

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"
)

// Link is the transport end of a session's live connection; the WebSocket
// adapter implements it. Both methods must not block.
type Link interface {
	// SessionEnded closes the connection because the session is over.
	SessionEnded(reason EndReason)
	// Replaced closes the connection because a newer one took over.
	Replaced()
}

// liveSession is the part of a session that lives in the process holding
// (or last holding) its WebSocket: the open utterance and the counts not
// yet written. The session, not the connection, owns it, so an utterance
// survives a reconnect to the same process.
type liveSession struct {
	id string

	flushMu sync.Mutex // serializes the writes of this session's counts
	mu      sync.Mutex
	ended   bool
	link    Link
	linkSeq uint64
	timeout time.Duration

	utterance  openUtterance
	pending    Counts
	activity   *time.Time // not yet written
	lastFlush  time.Time
	flushLater *time.Timer
}

type openUtterance struct {
	open   bool
	format AudioFormat
	frames int64
	bytes  int64  // whole samples passed to the sink
	carry  []byte // a partial sample waiting for the next frame
}

// Connection is one WebSocket of a session, as the domain sees it.
type Connection struct {
	svc         *Service
	ls          *liveSession
	seq         uint64
	initialized bool
}

// SessionID is the session the connection belongs to.
func (c *Connection) SessionID() string { return c.ls.id }

// Attach makes link the session's live connection, replacing (and closing)
// the previous one in any server process.
func (s *Service) Attach(ctx context.Context, sessionID string, link Link) (*Connection, error) {
	sess, err := s.store.Find(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	if sess.State != StateActive {
		return nil, ErrSessionEnded
	}
	ls := s.liveSession(sess)
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.ended {
		return nil, ErrSessionEnded
	}
	if err := s.store.Connect(ctx, sessionID, s.instance); err != nil {
		if errors.Is(err, ErrNotFound) {
			ls.ended = true
			s.forget(ls)
			return nil, ErrSessionEnded
		}
		return nil, err
	}
	if ls.link != nil {
		ls.link.Replaced()
	}
	ls.link = link
	ls.linkSeq++
	s.publish(ctx, event{Kind: eventAttached, SessionID: sessionID, Instance: s.instance})
	return &Connection{svc: s, ls: ls, seq: ls.linkSeq}, nil
}

func (s *Service) liveSession(sess Session) *liveSession {
	s.mu.Lock()
	defer s.mu.Unlock()
	ls := s.live[sess.ID]
	if ls == nil {
		ls = &liveSession{id: sess.ID, timeout: sess.Config.ActivityIdleTimeout, lastFlush: s.now()}
		s.live[sess.ID] = ls
	}
	return ls
}

// Received notes a frame from the connection's client. Every frame is
// activity, heartbeats and refused frames included: it shows the agent is
// still there, so only a session whose client is gone idles out.
func (c *Connection) Received() {
	ls := c.ls
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if c.usableLocked() == nil {
		c.svc.activityLocked(ls)
	}
}

// Detach ends the connection's part: the session stays active, whatever
// the reason, and waits for its client to reconnect (only the idle timeout
// ends a session whose client never comes back). The open utterance waits
// for the next connection to this process; when the process is stopping,
// it is recorded as it stands and the sink is closed instead, since the
// reconnect will reach another process (or this one restarted).
func (c *Connection) Detach(ctx context.Context, serverStopping bool) {
	s, ls := c.svc, c.ls
	ls.mu.Lock()
	if ls.ended || ls.linkSeq != c.seq {
		ls.mu.Unlock()
		return // ended, or a newer connection took over
	}
	ls.link = nil
	// Under the lock, so a reconnect to this process cannot slip between.
	if err := s.store.Disconnect(ctx, ls.id, s.instance); err != nil {
		s.log.Error("avatar: clear connection", "session", ls.id, "err", err)
	}
	if serverStopping {
		s.finishLocked(ctx, ls)
		ls.mu.Unlock()
		s.forget(ls)
		return
	}
	ls.mu.Unlock()
	s.flush(ctx, ls)
}

// finishLocked records the open utterance, writes the counts and closes
// the sink: nothing of the session stays in this process.
func (s *Service) finishLocked(ctx context.Context, ls *liveSession) {
	ls.ended = true
	if ls.utterance.open {
		if _, err := s.commitLocked(ctx, ls); err != nil {
			s.log.Error("avatar: record the open utterance", "session", ls.id, "err", err)
		}
	}
	_ = s.record(ctx, ls, s.takePendingLocked(ls))
	if err := s.sink.Close(ctx, ls.id); err != nil {
		s.log.Error("avatar: close audio sink", "session", ls.id, "err", err)
	}
}

// forget drops ls from this process's sessions, unless another state of
// its session has taken its place meanwhile.
func (s *Service) forget(ls *liveSession) {
	s.mu.Lock()
	if s.live[ls.id] == ls {
		delete(s.live, ls.id)
	}
	s.mu.Unlock()
}

// sessionEnded runs in every process when a session ended anywhere: the
// process holding its state records what is open and closes its socket.
func (s *Service) sessionEnded(ctx context.Context, id string, reason EndReason) {
	s.letGo(ctx, id, func(l Link) { l.SessionEnded(reason) }, nil)
}

// attachedElsewhere runs when another process took the session's
// connection over: this process lets go of it, unless the store says this
// process attached it last. The event can be older than this process's own
// attach: a client whose process stopped reconnects here within
// milliseconds, before the old process's event from the first attach has
// arrived.
func (s *Service) attachedElsewhere(ctx context.Context, id string) {
	s.letGo(ctx, id, Link.Replaced, func(ls *liveSession) bool {
		if ls.link == nil {
			return false
		}
		sess, err := s.store.Find(ctx, id)
		return err == nil && sess.ConnectedInstance == s.instance
	})
}

// letGo drops this process's state of session id, finishing what is open,
// and tells its connection why through tell; unless keep, asked under the
// session's lock, says the state is still this process's.
func (s *Service) letGo(ctx context.Context, id string, tell func(Link), keep func(*liveSession) bool) {
	s.mu.Lock()
	ls := s.live[id]
	s.mu.Unlock()
	if ls == nil {
		return
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if keep != nil && keep(ls) {
		return
	}
	s.forget(ls)
	if ls.ended {
		return
	}
	s.finishLocked(ctx, ls)
	if ls.link != nil {
		tell(ls.link)
		ls.link = nil
	}
}

// Session events between processes.
const eventTopic = "avatar.sessions"

const (
	eventEnded    = "ended"
	eventAttached = "attached"
)

type event struct {
	Kind      string    `json:"kind"`
	SessionID string    `json:"session_id"`
	Reason    EndReason `json:"reason,omitempty"`
	Instance  string    `json:"instance,omitempty"`
}

// announceEnded ends the session's live state here at once, so a frame this
// process takes after the end was stored is refused, then tells the other
// processes (here the event then finds nothing left).
func (s *Service) announceEnded(ctx context.Context, id string, reason EndReason) {
	s.sessionEnded(context.WithoutCancel(ctx), id, reason)
	s.publish(ctx, event{Kind: eventEnded, SessionID: id, Reason: reason})
}

func (s *Service) publish(ctx context.Context, ev event) {
	payload, _ := json.Marshal(ev)
	if err := s.bus.Publish(context.WithoutCancel(ctx), eventTopic, payload); err != nil {
		// The session's state is in the database either way; without the
		// event only the socket lingers until its own process notices.
		s.log.Error("avatar: publish session event", "kind", ev.Kind, "session", ev.SessionID, "err", err)
	}
}

// onEvent runs on the bus's delivery goroutine; the work it starts may
// touch the database and the sink, so it runs on its own goroutine.
func (s *Service) onEvent(payload []byte) {
	var ev event
	if err := json.Unmarshal(payload, &ev); err != nil {
		s.log.Error("avatar: malformed session event", "err", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	switch {
	case ev.Kind == eventEnded:
		go func() { defer cancel(); s.sessionEnded(ctx, ev.SessionID, ev.Reason) }()
	case ev.Kind == eventAttached && ev.Instance != s.instance:
		go func() { defer cancel(); s.attachedElsewhere(ctx, ev.SessionID) }()
	default:
		cancel()
	}
}
