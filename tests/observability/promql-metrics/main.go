// promql-metrics parses PromQL expressions with Prometheus's own parser and
// prints the metric names their selectors reference, so the observability
// tests can check every alert, recording rule and dashboard query against the
// metrics a live Prometheus actually holds (no hand-written list, no regex).
//
// Input (stdin): a JSON array of expressions.
// Output (stdout): a JSON array, one {"expr", "metrics", "error"} per input.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

type result struct {
	Expr    string   `json:"expr"`
	Metrics []string `json:"metrics"`
	Error   string   `json:"error,omitempty"`
}

func metricNames(expr string) ([]string, error) {
	node, err := parser.ParseExpr(expr)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var selErr error
	parser.Inspect(node, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		name := vs.Name
		if name == "" {
			for _, m := range vs.LabelMatchers {
				if m.Name == labels.MetricName && m.Type == labels.MatchEqual {
					name = m.Value
				}
			}
		}
		if name == "" {
			selErr = fmt.Errorf("selector %s has no fixed metric name", vs.String())
			return selErr
		}
		seen[name] = true
		return nil
	})
	if selErr != nil {
		return nil, selErr
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

func main() {
	var exprs []string
	if err := json.NewDecoder(os.Stdin).Decode(&exprs); err != nil {
		fmt.Fprintf(os.Stderr, "promql-metrics: stdin must be a JSON array of strings: %v\n", err)
		os.Exit(2)
	}
	out := make([]result, 0, len(exprs))
	for _, e := range exprs {
		names, err := metricNames(e)
		r := result{Expr: e, Metrics: names}
		if r.Metrics == nil {
			r.Metrics = []string{}
		}
		if err != nil {
			r.Error = err.Error()
		}
		out = append(out, r)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fmt.Fprintf(os.Stderr, "promql-metrics: %v\n", err)
		os.Exit(1)
	}
}
