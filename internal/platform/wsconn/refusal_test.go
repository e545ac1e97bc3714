package wsconn

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestJSONRefusalWritesTheCodeOfTheStatus: a refusal without a code of its
// own gets the code documented for its status, INTERNAL_ERROR for a status
// without one, each with the refusal's own status.
func TestJSONRefusalWritesTheCodeOfTheStatus(t *testing.T) {
	type body struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	refuse := JSONRefusal(func(r Refusal) any { return body{Code: r.StatusCode(), Message: r.Message} })
	cases := []struct {
		refusal Refusal
		want    string
	}{
		{Refusal{Status: http.StatusTooManyRequests}, `{"code":"TOO_MANY_CONNECTIONS","message":"go away"}`},
		{Refusal{Status: http.StatusServiceUnavailable}, `{"code":"SERVICE_UNAVAILABLE","message":"go away"}`},
		{Refusal{Status: http.StatusUnauthorized}, `{"code":"UNAUTHORIZED","message":"go away"}`},
		{Refusal{Status: http.StatusUnauthorized, Code: "SESSION_ENDED"}, `{"code":"SESSION_ENDED","message":"go away"}`},
		{Refusal{Status: http.StatusInternalServerError}, `{"code":"INTERNAL_ERROR","message":"go away"}`},
	}
	for _, tc := range cases {
		w := httptest.NewRecorder()
		tc.refusal.Message = "go away"
		refuse(w, tc.refusal)
		status := tc.refusal.Status
		if w.Code != status || w.Header().Get("Content-Type") != "application/json" || w.Body.String() != tc.want {
			t.Errorf("refusal %d: got %d %q %s, want %d application/json %s",
				status, w.Code, w.Header().Get("Content-Type"), w.Body, status, tc.want)
		}
	}
}
