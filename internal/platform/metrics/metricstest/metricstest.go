// Package metricstest reads what a test's registry counted.
package metricstest

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// CounterByLabel sums the counter family name in g by the value of its
// label: the series a client's input created, and their counts.
func CounterByLabel(t testing.TB, g prometheus.Gatherer, name, label string) map[string]float64 {
	t.Helper()
	families, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sums := map[string]float64{}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label {
					sums[l.GetValue()] += m.GetCounter().GetValue()
				}
			}
		}
	}
	return sums
}
