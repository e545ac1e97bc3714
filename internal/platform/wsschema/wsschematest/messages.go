// Package wsschematest gives tests the generated message tables of every
// AsyncAPI spec, for properties that must hold on every message type.
package wsschematest

import (
	"github.com/sessionhub/server/gen/avatarstream"
	"github.com/sessionhub/server/gen/decisions"
	"github.com/sessionhub/server/gen/petchat"
	"github.com/sessionhub/server/gen/therapyevents"
	"github.com/sessionhub/server/gen/vrtraining"
	"github.com/sessionhub/server/gen/wsclient"
)

// Messages are the messages of every spec, client and server, with the
// spec's examples of each.
func Messages() []wsclient.MessageInfo {
	var all []wsclient.MessageInfo
	for _, table := range [][]wsclient.MessageInfo{avatarstream.Messages, decisions.Messages, petchat.Messages, therapyevents.Messages, vrtraining.Messages} {
		all = append(all, table...)
	}
	return all
}
