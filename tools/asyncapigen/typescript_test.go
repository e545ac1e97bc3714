package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestTypeScriptCompiles runs tsc when it is installed; without it, check by
// hand: npx --yes -p typescript@5 tsc --strict --noEmit fixture.ts
func TestTypeScriptCompiles(t *testing.T) {
	tsc, err := exec.LookPath("tsc")
	if err != nil {
		t.Skip("tsc not on PATH")
	}
	dir := t.TempDir()
	generateFixture(t, dir)
	out, err := exec.Command(tsc, "--strict", "--noEmit", filepath.Join(dir, "ts", "fixture.ts")).CombinedOutput()
	if err != nil {
		t.Errorf("tsc --strict: %v\n%s", err, out)
	}
}

func TestTypeScriptShapes(t *testing.T) {
	dir := t.TempDir()
	generateFixture(t, dir)
	data, err := os.ReadFile(filepath.Join(dir, "ts", "fixture.ts"))
	if err != nil {
		t.Fatal(err)
	}
	ts := string(data)
	for _, want := range []string{
		`export const ChannelWsItems = "/ws/items";`,
		`export const MsgCreateItem = "create_item";`,
		`  command: "create_item";`,                                              // const → literal
		`export type ItemStatus = "draft" | "active" | "archived" | "2nd-hand";`, // enum → union
		`  owner: string | null;`,                                                // required + nullable
		`  note?: string | null;`,                                                // optional + nullable
		`  rating?: 1 | 2 | 3;`,                                                  // integer enum
		`  labels?: { [key: string]: ItemRef };`,                                 // typed map
		`export type WsItemsClientMessage = CreateItemCommand | PingPayload | UpdateItemCommand;`,
		`export type WsRoomsByRoomIDEventsServerMessage = RoomEvent;`,
	} {
		if !strings.Contains(ts, want) {
			t.Errorf("fixture.ts lacks %q", want)
		}
	}
}
