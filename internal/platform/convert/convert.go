// Package convert applies a layer crossing's converter (toWire, toSession…)
// to a whole list.
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
