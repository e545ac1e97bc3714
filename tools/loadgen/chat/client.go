package chat

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bytedance/sonic"
	"github.com/google/uuid"
	"github.com/gorilla/websocket"
)

// frameJSON encodes and decodes the frames. The load generator shares the
// machine's cores with the server it measures, so its own JSON work is
// kept small: one decode per frame, with sonic, as the server does.
var frameJSON = sonic.ConfigDefault

// client is one connection. Its reader goroutine is the only reader: it
// hands replies to the waiting request and records deliveries.
type client struct {
	conn         *websocket.Conn
	user         string
	conversation string

	replies chan frame  // message_sent, conversation_created (own), error
	created chan string // conversations this client was added to

	mu       sync.Mutex
	received int
	recorded []time.Duration
}

// frame is every frame the server sends here, decoded at once.
type frame struct {
	Event string      `json:"event"`
	Data  messageData `json:"data"`
}

// outFrame is a frame this client sends.
type outFrame struct {
	Event string `json:"event"`
	Data  any    `json:"data"`
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
	_, raw, err := conn.ReadMessage()
	if err != nil || frameJSON.Unmarshal(raw, &hello) != nil || hello.Event != "connected" {
		_ = conn.Close()
		return nil, fmt.Errorf("no connected frame (%v)", err)
	}
	c := &client{conn: conn, user: hello.Data.UserID, replies: make(chan frame, 1), created: make(chan string, 64)}
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
		if frameJSON.Unmarshal(raw, &f) != nil {
			continue
		}
		switch {
		case f.Event == "new_message":
			c.record(received, f.Data.Content)
		case f.Event == "conversation_created" && f.Data.ClientID != c.user:
			c.created <- f.Data.ConversationID
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
	if err := c.send(event, data); err != nil {
		return messageData{}, err
	}
	select {
	case f, ok := <-c.replies:
		if !ok {
			return messageData{}, errors.New("connection closed")
		}
		if f.Event != want {
			return messageData{}, fmt.Errorf("%s: got %s %s", event, f.Event, f.Data.Message)
		}
		return f.Data, nil
	case <-time.After(time.Until(deadline)):
		return messageData{}, fmt.Errorf("%s: no reply", event)
	}
}

func (c *client) newConversation(providers []*client, deadline time.Time) (string, error) {
	ids := make([]string, len(providers))
	for i, p := range providers {
		ids[i] = p.user
	}
	if err := c.send("new_conversation", map[string]any{"pet_id": uuid.NewString(), "providers": ids}); err != nil {
		return "", err
	}
	select {
	case f, ok := <-c.replies:
		if !ok || f.Event != "conversation_created" || f.Data.ConversationID == "" {
			return "", fmt.Errorf("new_conversation: got %s", f.Event)
		}
		return f.Data.ConversationID, nil
	case <-time.After(time.Until(deadline)):
		return "", errors.New("new_conversation: no reply")
	}
}

func (c *client) awaitConversation(id string, deadline time.Time) error {
	select {
	case told := <-c.created:
		if told != id {
			return fmt.Errorf("provider told of %s, want %s", told, id)
		}
		return nil
	case <-time.After(time.Until(deadline)):
		return errors.New("provider was not told of its conversation")
	}
}

// messageRequest is the data of a message frame.
type messageRequest struct {
	ConversationID string `json:"conversation_id"`
	Content        string `json:"content"`
}

func (c *client) sendMessage(deadline time.Time) error {
	content := "t=" + strconv.FormatInt(time.Now().UnixNano(), 10) + " how is Rex today?"
	_, err := c.request("message", messageRequest{ConversationID: c.conversation, Content: content}, "message_sent", deadline)
	return err
}

// send writes one frame; only the goroutine that owns the client sends.
func (c *client) send(event string, data any) error {
	frame, err := frameJSON.Marshal(outFrame{Event: event, Data: data})
	if err != nil {
		return err
	}
	return c.conn.WriteMessage(websocket.TextMessage, frame)
}
