package pubsub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

// pgChannel is the one NOTIFY channel every server process listens on; the
// topic travels inside the message.
const pgChannel = "sessionhub_bus"

// maxInline is how large a message may be to travel inside NOTIFY (whose
// payload limit is 8000 bytes); larger ones are stored and sent by reference.
const maxInline = 7000

// envelope is what travels over NOTIFY.
type envelope struct {
	Topic   string          `json:"t"`
	Payload json.RawMessage `json:"p,omitempty"`
	Ref     int64           `json:"r,omitempty"`
}

// busMessage holds a payload too large for NOTIFY until listeners fetch it.
type busMessage struct {
	ID        int64 `gorm:"primaryKey"`
	Payload   []byte
	CreatedAt time.Time `gorm:"index"`
}

func (busMessage) TableName() string { return "bus_messages" }

// Postgres is the cross-process bus over LISTEN/NOTIFY.
type Postgres struct {
	reg    *registry
	db     *gorm.DB
	dsn    string
	cancel context.CancelFunc
	done   chan struct{}
	ready  chan struct{}
}

// MigratePostgres creates the table for large messages.
func MigratePostgres(db *gorm.DB) error { return db.AutoMigrate(&busMessage{}) }

// NewPostgres starts listening on a dedicated connection to dsn and
// publishes through db. It returns once the listener is subscribed.
func NewPostgres(ctx context.Context, db *gorm.DB, dsn string) (*Postgres, error) {
	if err := MigratePostgres(db); err != nil {
		return nil, fmt.Errorf("migrate bus: %w", err)
	}
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	p := &Postgres{reg: newRegistry(), db: db, dsn: dsn, cancel: cancel, done: make(chan struct{}), ready: make(chan struct{})}
	go p.listen(lctx)
	select {
	case <-p.ready:
		return p, nil
	case <-time.After(15 * time.Second):
		cancel()
		return nil, errors.New("bus: could not LISTEN on PostgreSQL within 15s")
	case <-ctx.Done():
		cancel()
		return nil, ctx.Err()
	}
}

func (p *Postgres) Publish(ctx context.Context, topic string, payload []byte) error {
	env := envelope{Topic: topic, Payload: payload}
	raw, err := json.Marshal(env)
	if err != nil {
		return fmt.Errorf("bus: payload is not JSON: %w", err)
	}
	if len(raw) > maxInline {
		msg := busMessage{Payload: payload, CreatedAt: time.Now().UTC()}
		if err := p.db.WithContext(ctx).Create(&msg).Error; err != nil {
			return fmt.Errorf("bus: store large message: %w", err)
		}
		// Listeners fetch within moments; old rows only cost space.
		p.db.WithContext(ctx).Where("created_at < ?", time.Now().UTC().Add(-10*time.Minute)).Delete(&busMessage{})
		if raw, err = json.Marshal(envelope{Topic: topic, Ref: msg.ID}); err != nil {
			return err
		}
	}
	if err := p.db.WithContext(ctx).Exec("SELECT pg_notify(?, ?)", pgChannel, string(raw)).Error; err != nil {
		return fmt.Errorf("bus: notify: %w", err)
	}
	return nil
}

func (p *Postgres) Subscribe(topic string, fn func([]byte)) func() { return p.reg.subscribe(topic, fn) }

// Close stops the listener and waits for it.
func (p *Postgres) Close() error {
	p.cancel()
	<-p.done
	return nil
}

// listen keeps one LISTEN connection open, reconnecting with backoff; what
// is published while it is reconnecting is lost (subscribers are live
// connections that can re-read state from the database).
func (p *Postgres) listen(ctx context.Context) {
	defer close(p.done)
	backoff := 100 * time.Millisecond
	signalled := false
	for ctx.Err() == nil {
		conn, err := pgx.Connect(ctx, p.dsn)
		if err == nil {
			_, err = conn.Exec(ctx, "LISTEN "+pgChannel)
		}
		if err == nil {
			if !signalled {
				close(p.ready)
				signalled = true
			}
			backoff = 100 * time.Millisecond
			err = p.receive(ctx, conn)
		}
		if conn != nil {
			_ = conn.Close(context.WithoutCancel(ctx))
		}
		if ctx.Err() != nil {
			return
		}
		slog.Warn("bus listener lost its connection; reconnecting", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

func (p *Postgres) receive(ctx context.Context, conn *pgx.Conn) error {
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		var env envelope
		if err := json.Unmarshal([]byte(n.Payload), &env); err != nil {
			slog.Error("bus: malformed notification dropped", "err", err)
			continue
		}
		payload := []byte(env.Payload)
		if env.Ref != 0 {
			var msg busMessage
			if err := p.db.WithContext(ctx).Where("id = ?", env.Ref).Take(&msg).Error; err != nil {
				slog.Error("bus: large message not found", "id", env.Ref, "err", err)
				continue
			}
			payload = msg.Payload
		}
		p.reg.deliver(env.Topic, payload)
	}
}
