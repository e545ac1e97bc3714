package pubsub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

// pgChannel is the one NOTIFY channel every server process listens on.
const pgChannel = "sessionhub_bus"

// publishLock is the advisory lock key that orders publishes: a message's
// id is taken and committed under it, so ids become visible in increasing
// order and a listener that has read up to id N has seen everything
// before N.
const publishLock = 0x5e55_b05

// maxInline is how large an envelope may be to travel inside NOTIFY (whose
// payload limit is 8000 bytes); listeners read larger ones from the table.
const maxInline = 7000

// retention is how long published messages stay readable: a process whose
// listener was cut off for longer misses what is older.
const retention = 10 * time.Minute

// busMessage is one published message: the log every process reads from.
type busMessage struct {
	ID        int64  `gorm:"primaryKey"`
	Topic     string `gorm:"not null;default:''"`
	Payload   []byte
	CreatedAt time.Time `gorm:"index"`
}

func (busMessage) TableName() string { return "bus_messages" }

// envelope is what travels over NOTIFY: the message's id, and the message
// itself when it is small enough.
type envelope struct {
	ID      int64           `json:"i"`
	Topic   string          `json:"t,omitempty"`
	Payload json.RawMessage `json:"p,omitempty"`
}

// Postgres is the cross-process bus. Every message is stored in
// bus_messages and announced with NOTIFY; each process's listener delivers
// messages in id order and, after its LISTEN connection was lost, catches
// up from the table, so a message reaches every subscriber of every
// process exactly once (within the retention).
type Postgres struct {
	reg    *registry
	db     *gorm.DB
	dsn    string
	cancel context.CancelFunc
	done   chan struct{}
	ready  chan struct{}

	publishes int64 // under pruneMu; prunes old rows now and then
	pruneMu   sync.Mutex
}

// MigratePostgres creates the message table.
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

// Publish stores payload and announces it, in one statement and so one
// round trip and one transaction: the notification goes out when the
// message is committed.
func (p *Postgres) Publish(ctx context.Context, topic string, payload []byte) error {
	if !json.Valid(payload) {
		return errors.New("bus: payload is not JSON")
	}
	err := p.db.WithContext(ctx).Exec(publishSQL, publishLock, topic, payload, time.Now().UTC(), pgChannel, maxInline).Error
	if err != nil {
		return fmt.Errorf("bus: publish: %w", err)
	}
	p.pruneNowAndThen(ctx)
	return nil
}

// publishSQL takes the publish lock before the insert draws the message's
// id (the insert reads from the lock's row), stores the message and
// notifies with the envelope, or with the id alone when the envelope is
// over the inline limit. What is published describes state already stored
// elsewhere, so the commit need not wait for the disk (a database crash
// may lose the last few messages, as it would lose a NOTIFY) and the lock
// is held shorter. Parameters: lock key, topic, payload, time, channel,
// inline limit.
const publishSQL = `WITH locked AS (
	SELECT pg_advisory_xact_lock(?), set_config('synchronous_commit', 'off', true)
), stored AS (
	INSERT INTO bus_messages (topic, payload, created_at) SELECT ?::text, ?::bytea, ?::timestamptz FROM locked RETURNING id, topic, payload
), announced AS (
	SELECT id, '{"i":' || id || ',"t":' || to_json(topic)::text || ',"p":' || convert_from(payload, 'UTF8') || '}' AS envelope FROM stored
)
SELECT pg_notify(?, CASE WHEN octet_length(envelope) > ? THEN '{"i":' || id || '}' ELSE envelope END) FROM announced`

// pruneNowAndThen deletes messages past the retention every 1000th publish.
func (p *Postgres) pruneNowAndThen(ctx context.Context) {
	p.pruneMu.Lock()
	p.publishes++
	due := p.publishes%1000 == 1
	p.pruneMu.Unlock()
	if due {
		p.db.WithContext(ctx).Where("created_at < ?", time.Now().UTC().Add(-retention)).Delete(&busMessage{})
	}
}

func (p *Postgres) Subscribe(topic string, fn func([]byte)) func() { return p.reg.subscribe(topic, fn) }

// Close stops the listener and waits for it.
func (p *Postgres) Close() error {
	p.cancel()
	<-p.done
	return nil
}

// listen keeps one LISTEN connection open, reconnecting with backoff. The
// first time, it starts after the newest stored message; after a
// reconnect, it first delivers what was published meanwhile.
func (p *Postgres) listen(ctx context.Context) {
	defer close(p.done)
	backoff := 100 * time.Millisecond
	var last int64
	started := false
	for ctx.Err() == nil {
		conn, err := p.connect(ctx)
		if err == nil {
			_, err = conn.Exec(ctx, "LISTEN "+pgChannel)
		}
		if err == nil && !started {
			// Subscribed first, then read the newest id: what is published
			// after it is announced on this connection.
			err = conn.QueryRow(ctx, "SELECT COALESCE(MAX(id), 0) FROM bus_messages").Scan(&last)
		}
		if err == nil && started {
			if last, err = p.catchUp(ctx, conn, last, 0); err == nil {
				p.reg.deliver(ResumedTopic, nil)
			}
		}
		if err == nil {
			if !started {
				close(p.ready)
				started = true
			}
			backoff = 100 * time.Millisecond
			err = p.receive(ctx, conn, &last)
		}
		if conn != nil {
			_ = conn.Close(context.WithoutCancel(ctx))
		}
		if ctx.Err() != nil {
			return
		}
		if started {
			p.reg.deliver(LostTopic, nil)
		}
		slog.Warn("bus listener lost its connection; reconnecting and catching up", "err", err, "in", backoff, "last_id", last)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// ListenerName is the application_name of every listener connection, so
// operators (and tests) can find it in pg_stat_activity.
const ListenerName = "sessionhub-bus-listener"

func (p *Postgres) connect(ctx context.Context) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(p.dsn)
	if err != nil {
		return nil, err
	}
	cfg.RuntimeParams["application_name"] = ListenerName
	return pgx.ConnectConfig(ctx, cfg)
}

// receive delivers announced messages in id order: an inline message that
// follows the last one at once, anything else (a large message, or a gap
// left by a lost notification or a rolled-back id) from the table.
func (p *Postgres) receive(ctx context.Context, conn *pgx.Conn, last *int64) error {
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		var env envelope
		if err := json.Unmarshal([]byte(n.Payload), &env); err != nil || env.ID == 0 {
			slog.Error("bus: malformed notification dropped", "err", err)
			continue
		}
		switch {
		case env.ID <= *last: // delivered by a catch-up already
		case env.ID == *last+1 && env.Payload != nil:
			p.reg.deliver(env.Topic, env.Payload)
			*last = env.ID
		default:
			if *last, err = p.catchUp(ctx, conn, *last, env.ID); err != nil {
				return err
			}
		}
	}
}

// catchUp delivers the stored messages after last (up to upTo, or all when
// upTo is 0) and returns the new last id. Ids up to upTo that are not
// stored were rolled back: publishes commit in id order, so nothing before
// upTo can still appear.
func (p *Postgres) catchUp(ctx context.Context, conn *pgx.Conn, last, upTo int64) (int64, error) {
	for {
		query, args := "SELECT id, topic, payload FROM bus_messages WHERE id > $1 ORDER BY id LIMIT 500", []any{last}
		if upTo > 0 {
			query, args = "SELECT id, topic, payload FROM bus_messages WHERE id > $1 AND id <= $2 ORDER BY id LIMIT 500", []any{last, upTo}
		}
		rows, err := conn.Query(ctx, query, args...)
		if err != nil {
			return last, fmt.Errorf("bus: catch up: %w", err)
		}
		read := 0
		for rows.Next() {
			var id int64
			var topic string
			var payload []byte
			if err := rows.Scan(&id, &topic, &payload); err != nil {
				rows.Close()
				return last, fmt.Errorf("bus: catch up: %w", err)
			}
			p.reg.deliver(topic, payload)
			last, read = id, read+1
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return last, fmt.Errorf("bus: catch up: %w", err)
		}
		if read < 500 {
			return max(last, upTo), nil
		}
	}
}
