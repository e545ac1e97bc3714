package main

import (
	"bytes"
	"fmt"
	"sort"
)

// schemaFiles are the JSON Schema documents of a generated package, keyed by
// their path relative to the package directory (schemas/<name>.json).
type schemaFiles struct {
	files        map[string][]byte
	messageFile  map[string]string // message name → path
	upgradeFile  map[int]string    // HTTP status → path
	upgradeOrder []int
}

func buildSchemaFiles(doc *document) (*schemaFiles, error) {
	sf := &schemaFiles{files: map[string][]byte{}, messageFile: map[string]string{}, upgradeFile: map[int]string{}}
	for _, msg := range doc.Messages {
		data, err := doc.exportSchema(msg.Payload)
		if err != nil {
			return nil, fmt.Errorf("message %s payload: %w", msg.Name, err)
		}
		path := "schemas/" + msg.Name + ".json"
		sf.files[path] = data
		sf.messageFile[msg.Name] = path
	}
	for _, ch := range doc.Channels {
		for _, up := range ch.Upgrades {
			if up.Schema == nil {
				continue
			}
			if err := sf.addUpgrade(doc, ch.Path, up); err != nil {
				return nil, err
			}
		}
	}
	sort.Ints(sf.upgradeOrder)
	return sf, nil
}

// addUpgrade stores the body schema of an upgrade response. UpgradeSchema is
// keyed by status alone, so two channels may share a status only with the
// same body.
func (sf *schemaFiles) addUpgrade(doc *document, channelPath string, up upgradeResponse) error {
	data, err := doc.exportSchema(up.Schema)
	if err != nil {
		return fmt.Errorf("channel %s x-upgrade-responses %d: %w", channelPath, up.Status, err)
	}
	path := fmt.Sprintf("schemas/upgrade_%d.json", up.Status)
	if _, clash := sf.messageFile[fmt.Sprintf("upgrade_%d", up.Status)]; clash {
		return fmt.Errorf("message name upgrade_%d clashes with the schema file of an upgrade response", up.Status)
	}
	if existing, seen := sf.files[path]; seen {
		if !bytes.Equal(existing, data) {
			return fmt.Errorf("channel %s x-upgrade-responses %d: another channel declares a different body for the same status", channelPath, up.Status)
		}
		return nil
	}
	sf.files[path] = data
	sf.upgradeFile[up.Status] = path
	sf.upgradeOrder = append(sf.upgradeOrder, up.Status)
	return nil
}
