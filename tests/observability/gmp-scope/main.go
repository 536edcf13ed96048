// gmp-scope rewrites PromQL expressions the way the rule evaluator of Google
// Cloud Managed Service for Prometheus scopes a `Rules` object: every vector
// selector gets an equality matcher per scope label (project_id, location,
// cluster and, for namespaced Rules, namespace), and a selector that already
// matches one of those labels differently is an error, as the operator
// refuses such rules. The tests use it to evaluate the chart's rules with
// promtool exactly as GMP would run them in a namespace.
//
// Input (stdin): {"labels": {"namespace": "hello", ...}, "exprs": ["...", ...]}.
// Output (stdout): a JSON array, one {"expr", "error"} per input expression.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

type request struct {
	Labels map[string]string `json:"labels"`
	Exprs  []string          `json:"exprs"`
}

type result struct {
	Expr  string `json:"expr"`
	Error string `json:"error,omitempty"`
}

func scope(expr string, scopeLabels map[string]string) (string, error) {
	node, err := parser.ParseExpr(expr)
	if err != nil {
		return "", err
	}
	names := make([]string, 0, len(scopeLabels))
	for name := range scopeLabels {
		names = append(names, name)
	}
	sort.Strings(names)
	var scopeErr error
	parser.Inspect(node, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		for _, name := range names {
			value := scopeLabels[name]
			present := false
			for _, m := range vs.LabelMatchers {
				if m.Name != name {
					continue
				}
				if m.Type != labels.MatchEqual || m.Value != value {
					scopeErr = fmt.Errorf("conflicting label matcher %s found in %s", m, vs)
					return scopeErr
				}
				present = true
			}
			if !present {
				vs.LabelMatchers = append(vs.LabelMatchers, labels.MustNewMatcher(labels.MatchEqual, name, value))
			}
		}
		return nil
	})
	if scopeErr != nil {
		return "", scopeErr
	}
	return node.String(), nil
}

func main() {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fmt.Fprintf(os.Stderr, "gmp-scope: stdin must be {\"labels\": {...}, \"exprs\": [...]}: %v\n", err)
		os.Exit(2)
	}
	out := make([]result, 0, len(req.Exprs))
	for _, e := range req.Exprs {
		scoped, err := scope(e, req.Labels)
		r := result{Expr: scoped}
		if err != nil {
			r.Error = err.Error()
		}
		out = append(out, r)
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintf(os.Stderr, "gmp-scope: %v\n", err)
		os.Exit(1)
	}
}
