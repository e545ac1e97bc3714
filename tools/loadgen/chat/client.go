package chat

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"
)

// client is one connection. Its reader goroutine is the only reader: it
// hands replies to the waiting request and records deliveries.
type client struct {
	conn         *websocket.Conn
	user         string
	conversation string

	replies chan frame // message_sent, conversation_created (own), error
	created chan string

	mu       sync.Mutex
	received int
	recorded []time.Duration
}

type frame struct {
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data"`
}

type messageData struct {
	ConversationID string `json:"conversation_id"`
	SenderID       string `json:"sender_id"`
	Content        string `json:"content"`
	UserID         string `json:"user_id"`
	ClientID       string `json:"client_id"`
	Message        string `json:"message"`
}

func connectAll(url string, n int) ([]*client, error) {
	clients := make([]*client, n)
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for i := range clients {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			c, err := dial(url)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = fmt.Errorf("client %d: %w", i, err)
			}
			clients[i] = c
		}()
	}
	wg.Wait()
	if firstErr != nil {
		for _, c := range clients {
			if c != nil {
				c.close()
			}
		}
		return nil, firstErr
	}
	return clients, nil
}

func dial(url string) (*client, error) {
	conn, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		return nil, err
	}
	var hello frame
	var data messageData
	if err := conn.ReadJSON(&hello); err != nil || hello.Event != "connected" || json.Unmarshal(hello.Data, &data) != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("no connected frame (%v)", err)
	}
	c := &client{conn: conn, user: data.UserID, replies: make(chan frame, 1), created: make(chan string, 64)}
	go c.read()
	return c, nil
}

func (c *client) close() { _ = c.conn.Close() }

func (c *client) read() {
	for {
		_, raw, err := c.conn.ReadMessage()
		received := time.Now()
		if err != nil {
			close(c.replies)
			return
		}
		var f frame
		var d messageData
		if json.Unmarshal(raw, &f) != nil || json.Unmarshal(f.Data, &d) != nil {
			continue
		}
		switch {
		case f.Event == "new_message":
			c.record(received, d.Content)
		case f.Event == "conversation_created" && d.ClientID != c.user:
			c.created <- string(raw)
		default:
			c.replies <- f
		}
	}
}

// record notes one delivery; the content carries its send time.
func (c *client) record(received time.Time, content string) {
	sentNanos, _, _ := strings.Cut(strings.TrimPrefix(content, "t="), " ")
	ns, err := strconv.ParseInt(sentNanos, 10, 64)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.received++
	if err == nil {
		c.recorded = append(c.recorded, received.Sub(time.Unix(0, ns)))
	}
}

func (c *client) deliveries() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.received
}

func (c *client) latencies() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.recorded
}

// request sends one event and waits for its reply.
func (c *client) request(event string, data any, want string, deadline time.Time) (messageData, error) {
	if err := c.conn.WriteJSON(map[string]any{"event": event, "data": data}); err != nil {
		return messageData{}, err
	}
	select {
	case f, ok := <-c.replies:
		if !ok {
			return messageData{}, errors.New("connection closed")
		}
		var d messageData
		_ = json.Unmarshal(f.Data, &d)
		if f.Event != want {
			return messageData{}, fmt.Errorf("%s: got %s %s", event, f.Event, d.Message)
		}
		return d, nil
	case <-time.After(time.Until(deadline)):
		return messageData{}, fmt.Errorf("%s: no reply", event)
	}
}

func (c *client) newConversation(providers []*client, deadline time.Time) (string, error) {
	ids := make([]string, len(providers))
	for i, p := range providers {
		ids[i] = p.user
	}
	var created struct {
		ConversationID string `json:"conversation_id"`
	}
	if err := c.conn.WriteJSON(map[string]any{"event": "new_conversation", "data": map[string]any{"pet_id": uuid.NewString(), "providers": ids}}); err != nil {
		return "", err
	}
	select {
	case f, ok := <-c.replies:
		if !ok || f.Event != "conversation_created" || json.Unmarshal(f.Data, &created) != nil {
			return "", fmt.Errorf("new_conversation: got %s", f.Event)
		}
		return created.ConversationID, nil
	case <-time.After(time.Until(deadline)):
		return "", errors.New("new_conversation: no reply")
	}
}

func (c *client) awaitConversation(id string, deadline time.Time) error {
	select {
	case raw := <-c.created:
		if !strings.Contains(raw, id) {
			return fmt.Errorf("provider told of %s, want %s", raw, id)
		}
		return nil
	case <-time.After(time.Until(deadline)):
		return errors.New("provider was not told of its conversation")
	}
}

func (c *client) sendMessage(deadline time.Time) error {
	content := "t=" + strconv.FormatInt(time.Now().UnixNano(), 10) + " how is Rex today?"
	_, err := c.request("message", map[string]any{"conversation_id": c.conversation, "content": content}, "message_sent", deadline)
	return err
}
