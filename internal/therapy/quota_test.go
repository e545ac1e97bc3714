package therapy_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/sessionhub/server/internal/therapy"
)

// TestStorageQuotaPerOwner: THERAPY_STORAGE_QUOTA_BYTES bounds what one user
// stores over all their sessions, uploads and create texts alike; other
// users are not affected, and deleting a session frees its share.
func TestStorageQuotaPerOwner(t *testing.T) {
	f := newFixtureWithLimits(t, therapy.ContentLimits{MaxFileBytes: 80, OwnerQuotaBytes: 100})
	ctx := context.Background()
	session := func(owner string) therapy.Session {
		s, err := f.svc.Create(ctx, owner, therapy.NewSession{Title: "quota"})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	upload := func(owner string, s therapy.Session, size int) error {
		_, _, err := f.svc.Upload(ctx, owner, s.ID, uploadForm("text", "notes.txt", bytes.NewReader(bytes.Repeat([]byte("a"), size))))
		return err
	}
	requireQuota := func(err error, field string, stored int64) {
		t.Helper()
		var q *therapy.QuotaError
		if !errors.As(err, &q) || q.Field != field || q.Limit != 100 || q.Stored != stored {
			t.Fatalf("want QuotaError{%s, limit 100, stored %d}, got %v", field, stored, err)
		}
	}

	alice, bob := session("alice"), session("bob")
	if err := upload("alice", alice, 60); err != nil {
		t.Fatal(err)
	}
	requireQuota(upload("alice", alice, 50), "file", 60) // refused while streaming
	if err := upload("bob", bob, 60); err != nil {
		t.Fatalf("another user's quota is their own: %v", err)
	}
	_, err := f.svc.Create(ctx, "alice", therapy.NewSession{Title: "with text", Text: ptr(strings.Repeat("b", 50))})
	requireQuota(err, "text", 60)
	if err := upload("alice", alice, 40); err != nil {
		t.Fatalf("exactly the quota is allowed: %v", err)
	}
	requireQuota(upload("alice", alice, 1), "file", 100)

	// Staged while there was room, committed after another upload took it.
	other := session("alice")
	if err := f.svc.Delete(ctx, "alice", alice.ID); err != nil {
		t.Fatal(err)
	}
	// The form's type part comes after its file: another upload takes the
	// room in between. (Staging the file finds the deleted session's share
	// free, or it would be refused with 100 stored.)
	late := func(yield func(therapy.UploadPart, error) bool) {
		if !yield(therapy.UploadPart{Name: "file", Filename: "late.txt", Body: bytes.NewReader(bytes.Repeat([]byte("c"), 70))}, nil) {
			return
		}
		if err := upload("alice", other, 70); err != nil {
			t.Errorf("the upload that takes the room: %v", err)
		}
		yield(therapy.UploadPart{Name: "type", Body: strings.NewReader("text")}, nil)
	}
	_, _, err = f.svc.Upload(ctx, "alice", other.ID, late)
	requireQuota(err, "file", 70)

	// The file limit still applies below the quota.
	var tooLarge *therapy.TooLargeError
	if err := upload("carol", session("carol"), 81); !errors.As(err, &tooLarge) {
		t.Fatalf("a file over MaxFileBytes: want TooLargeError, got %v", err)
	}
}
