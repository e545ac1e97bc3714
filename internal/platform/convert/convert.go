// Package convert holds what the layer crossings' converters (toWire,
// toSession…) share: a whole list converted item by item, and a page's
// cursor in its wire form.
package convert

// Each is list converted item by item with to; never nil, so an empty list
// is written as [] rather than null.
func Each[From, To any](list []From, to func(From) To) []To {
	out := make([]To, len(list))
	for i, item := range list {
		out[i] = to(item)
	}
	return out
}

// Cursor is a page's next cursor on the wire: null ("next_cursor": null, or
// left out) on the last page, where the domain has "".
func Cursor(next string) *string {
	if next == "" {
		return nil
	}
	return &next
}
