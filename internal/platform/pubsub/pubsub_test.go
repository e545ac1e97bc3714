package pubsub

import (
	"context"
	"sync"
	"testing"
)

func TestLocalDeliversToTopicSubscribersUntilUnsubscribed(t *testing.T) {
	bus := NewLocal()
	var mu sync.Mutex
	got := map[string][]string{}
	sub := func(name string) func([]byte) {
		return func(p []byte) { mu.Lock(); got[name] = append(got[name], string(p)); mu.Unlock() }
	}
	stopA := bus.Subscribe("room-1", sub("a"))
	bus.Subscribe("room-1", sub("b"))
	bus.Subscribe("room-2", sub("c"))
	ctx := context.Background()
	_ = bus.Publish(ctx, "room-1", []byte(`1`))
	stopA()
	stopA() // idempotent
	_ = bus.Publish(ctx, "room-1", []byte(`2`))
	_ = bus.Publish(ctx, "room-3", []byte(`3`))
	mu.Lock()
	defer mu.Unlock()
	if len(got["a"]) != 1 || len(got["b"]) != 2 || len(got["c"]) != 0 {
		t.Fatalf("deliveries = %v; want a:[1] b:[1 2] c:[]", got)
	}
}
