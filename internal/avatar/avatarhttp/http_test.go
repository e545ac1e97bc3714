package avatarhttp_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/sessionhub/server/internal/avatar"
	"github.com/sessionhub/server/internal/avatar/avatarhttp"
	"github.com/sessionhub/server/internal/platform/auth"
	"github.com/sessionhub/server/internal/platform/pubsub"
)

// TestPanicAnswersTheAvatarErrorBody: a panicking handler (here: a service
// without a store) answers the avatar API's documented 500 body, not the
// server-wide recovery's.
func TestPanicAnswersTheAvatarErrorBody(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	engine := gin.New()
	engine.ContextWithFallback = true
	engine.Use(gin.CustomRecovery(func(c *gin.Context, _ any) {
		c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": "the server-wide recovery"})
	}))
	svc := avatar.NewService(nil, auth.NewSigner([]byte("avatar-test-secret-0123456789abcdef"), "avatar-session"), avatar.Options{Bus: pubsub.NewLocal()})
	if err := avatarhttp.Register(engine, svc, auth.NewKeySet([]string{"key"}), "ws://localhost/v1/websocket"); err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/session/"+uuid.NewString()+"/status", nil)
	req.Header.Set("x-api-key", "key")
	w := httptest.NewRecorder()
	engine.ServeHTTP(w, req)

	var body map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &body)
	want := map[string]any{"error": "Internal Server Error", "code": "INTERNAL_ERROR", "message": "Internal error"}
	if w.Code != http.StatusInternalServerError || len(body) != len(want) {
		t.Fatalf("panic: %d %s, want 500 %v", w.Code, w.Body, want)
	}
	for k, v := range want {
		if body[k] != v {
			t.Fatalf("panic: %d %s, want 500 %v", w.Code, w.Body, want)
		}
	}
}
