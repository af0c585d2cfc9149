// helmlite renders a Helm chart the way `helm template` does, for the subset of Helm that the
// Plexus chart uses, so that the chart can be checked on machines without helm (see
// scripts/check-deploy.sh). It is Go text/template with the sprig function library plus Helm's
// own functions (include, tpl, required, toYaml, fromYaml(Array), toJson, fromJson(Array),
// lookup) and the
// built-in objects .Values, .Chart, .Release, .Capabilities, .Files and .Template.
//
// Usage: helmlite [-name N] [-namespace NS] [-f values.yaml]... [-set a.b=v]...
//
//	[-a group/version]... [-kube-version v1.29.0] [-notes] CHART_DIR
//
// Output: every rendered manifest as "---\n# Source: <chart>/templates/<file>\n<text>". Nothing
// is printed when any template fails; the error goes to stderr and the exit status is 1.
// Not supported: subcharts, values.schema.json, crds/, hooks, .Files.AsConfig/AsSecrets.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	yamlv2 "gopkg.in/yaml.v2"
	yaml "gopkg.in/yaml.v3"
)

// maxIncludeDepth stops runaway recursion through include/tpl, as Helm does.
const maxIncludeDepth = 1000

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// apiVersions answers .Capabilities.APIVersions.Has.
type apiVersions []string

func (a apiVersions) Has(v string) bool {
	for _, x := range a {
		if x == v {
			return true
		}
	}
	return false
}

// The API groups a current Kubernetes serves by default (what `helm template` assumes).
var defaultAPIVersions = []string{
	"v1", "apps/v1", "batch/v1", "autoscaling/v1", "autoscaling/v2", "policy/v1",
	"networking.k8s.io/v1", "rbac.authorization.k8s.io/v1", "storage.k8s.io/v1",
	"apiextensions.k8s.io/v1", "coordination.k8s.io/v1", "discovery.k8s.io/v1",
}

// files implements .Files over the chart directory (paths relative to it).
type files struct{ root string }

func (f files) Get(name string) string {
	b, err := os.ReadFile(filepath.Join(f.root, filepath.FromSlash(name)))
	if err != nil {
		return ""
	}
	return string(b)
}

func (f files) Glob(pattern string) map[string]string {
	out := map[string]string{}
	matches, _ := filepath.Glob(filepath.Join(f.root, filepath.FromSlash(pattern)))
	for _, m := range matches {
		rel, _ := filepath.Rel(f.root, m)
		if b, err := os.ReadFile(m); err == nil {
			out[filepath.ToSlash(rel)] = string(b)
		}
	}
	return out
}

func main() {
	var valueFiles, sets, extraAPIs listFlag
	name := flag.String("name", "release-name", "release name")
	namespace := flag.String("namespace", "default", "release namespace")
	kubeVersion := flag.String("kube-version", "v1.29.0", "Kubernetes version for .Capabilities")
	notes := flag.Bool("notes", false, "also print templates/NOTES.txt")
	flag.Var(&valueFiles, "f", "values file merged over the chart's values.yaml (repeatable)")
	flag.Var(&sets, "set", "a.b.c=value override (repeatable)")
	flag.Var(&extraAPIs, "a", "extra API version for .Capabilities.APIVersions (repeatable)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: helmlite [flags] CHART_DIR")
		os.Exit(2)
	}
	out, err := render(flag.Arg(0), *name, *namespace, *kubeVersion, valueFiles, sets, extraAPIs, *notes)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helmlite:", err)
		os.Exit(1)
	}
	os.Stdout.WriteString(out)
}

func render(chartDir, name, namespace, kubeVersion string, valueFiles, sets, extraAPIs []string,
	withNotes bool) (string, error) {
	chartMeta, err := readYamlMap(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		return "", err
	}
	chartName, _ := chartMeta["name"].(string)
	if chartName == "" {
		return "", errors.New("Chart.yaml: name is required")
	}
	values, err := readYamlMap(filepath.Join(chartDir, "values.yaml"))
	if err != nil && !os.IsNotExist(errors.Unwrap(err)) {
		return "", err
	}
	if values == nil {
		values = map[string]interface{}{}
	}
	for _, vf := range valueFiles {
		over, err := readYamlMap(vf)
		if err != nil {
			return "", err
		}
		mergeInto(values, over)
	}
	for _, s := range sets {
		if err := applySet(values, s); err != nil {
			return "", err
		}
	}

	major, minor := splitKubeVersion(kubeVersion)
	top := map[string]interface{}{
		"Values": values,
		"Chart":  chartObject(chartMeta),
		"Release": map[string]interface{}{
			"Name": name, "Namespace": namespace, "Service": "Helm",
			"IsInstall": true, "IsUpgrade": false, "Revision": 1,
		},
		"Capabilities": map[string]interface{}{
			"KubeVersion": map[string]interface{}{
				"Version": kubeVersion, "GitVersion": kubeVersion, "Major": major, "Minor": minor,
			},
			"APIVersions": apiVersions(append(append([]string{}, defaultAPIVersions...), extraAPIs...)),
		},
		"Files": files{root: chartDir},
	}

	tplDir := filepath.Join(chartDir, "templates")
	entries, err := os.ReadDir(tplDir)
	if err != nil {
		return "", err
	}
	root := template.New("root")
	depth := 0
	funcs := functionMap(root, &depth)
	root.Funcs(funcs)
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		text, err := os.ReadFile(filepath.Join(tplDir, e.Name()))
		if err != nil {
			return "", err
		}
		tname := path.Join(chartName, "templates", e.Name())
		if _, err := root.New(tname).Parse(string(text)); err != nil {
			return "", err
		}
		names = append(names, tname)
	}
	sort.Strings(names)
	root.Option("missingkey=zero")

	var out strings.Builder
	for _, tname := range names {
		base := path.Base(tname)
		isNotes := base == "NOTES.txt"
		if strings.HasPrefix(base, "_") {
			continue
		}
		scope := copyMap(top)
		scope["Template"] = map[string]interface{}{
			"Name": tname, "BasePath": path.Join(chartName, "templates"),
		}
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, tname, scope); err != nil {
			return "", err
		}
		text := strings.ReplaceAll(buf.String(), "<no value>", "")
		if strings.TrimSpace(text) == "" || (isNotes && !withNotes) {
			continue // NOTES.txt is rendered (so its errors count) but printed only on request
		}
		fmt.Fprintf(&out, "---\n# Source: %s\n%s", tname, strings.TrimLeft(text, "\n"))
		if !strings.HasSuffix(text, "\n") {
			out.WriteString("\n")
		}
	}
	return out.String(), nil
}

// functionMap: sprig (without the functions that read the environment) plus Helm's own.
func functionMap(root *template.Template, depth *int) template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	f["include"] = func(name string, data interface{}) (string, error) {
		if *depth >= maxIncludeDepth {
			return "", fmt.Errorf("include %q: rendering too deep (recursion?)", name)
		}
		*depth++
		defer func() { *depth-- }()
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, name, data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	f["tpl"] = func(text string, data interface{}) (string, error) {
		if *depth >= maxIncludeDepth {
			return "", errors.New("tpl: rendering too deep (recursion?)")
		}
		*depth++
		defer func() { *depth-- }()
		// A clone keeps every named template of the chart reachable from the snippet.
		t, err := root.Clone()
		if err != nil {
			return "", err
		}
		t, err = t.New("tpl-snippet").Parse(text)
		if err != nil {
			return "", err
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, data); err != nil {
			return "", err
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	f["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil {
			return nil, errors.New(msg)
		}
		if s, ok := v.(string); ok && s == "" {
			return nil, errors.New(msg)
		}
		return v, nil
	}
	f["toYaml"] = func(v interface{}) string {
		b, err := yamlv2.Marshal(normalize(v))
		if err != nil {
			return ""
		}
		return strings.TrimSuffix(string(b), "\n")
	}
	f["fromYaml"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := yaml.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	f["toJson"] = func(v interface{}) string {
		b, err := json.Marshal(normalize(v))
		if err != nil {
			return ""
		}
		return string(b)
	}
	f["fromJsonArray"] = func(s string) []interface{} {
		var l []interface{}
		if err := json.Unmarshal([]byte(s), &l); err != nil {
			return []interface{}{err.Error()}
		}
		return l
	}
	f["fromYamlArray"] = func(s string) []interface{} {
		var l []interface{}
		if err := yaml.Unmarshal([]byte(s), &l); err != nil {
			return []interface{}{err.Error()}
		}
		return l
	}
	f["fromJson"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	// Like `helm template`: no cluster to ask, so every lookup finds nothing.
	f["lookup"] = func(string, string, string, string) map[string]interface{} {
		return map[string]interface{}{}
	}
	return f
}

// normalize turns maps with interface{} keys (from yaml.v2 callers) into string-keyed maps so
// that JSON encoding works; other values are returned as they are.
func normalize(v interface{}) interface{} {
	switch t := v.(type) {
	case map[interface{}]interface{}:
		m := make(map[string]interface{}, len(t))
		for k, x := range t {
			m[fmt.Sprint(k)] = normalize(x)
		}
		return m
	case map[string]interface{}:
		m := make(map[string]interface{}, len(t))
		for k, x := range t {
			m[k] = normalize(x)
		}
		return m
	case []interface{}:
		l := make([]interface{}, len(t))
		for i, x := range t {
			l[i] = normalize(x)
		}
		return l
	}
	return v
}

func readYamlMap(file string) (map[string]interface{}, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	m := map[string]interface{}{}
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	return m, nil
}

// chartObject maps Chart.yaml's keys to the capitalized field names templates use.
func chartObject(meta map[string]interface{}) map[string]interface{} {
	out := map[string]interface{}{}
	for k, v := range meta {
		key := strings.ToUpper(k[:1]) + k[1:]
		if k == "apiVersion" {
			key = "APIVersion"
		}
		out[key] = v
	}
	return out
}

// mergeInto merges `over` into `base` recursively: maps merge, everything else replaces; a null
// in `over` deletes the key (as Helm does).
func mergeInto(base, over map[string]interface{}) {
	for k, v := range over {
		if v == nil {
			delete(base, k)
			continue
		}
		if bm, ok := base[k].(map[string]interface{}); ok {
			if om, ok := v.(map[string]interface{}); ok {
				mergeInto(bm, om)
				continue
			}
		}
		base[k] = v
	}
}

// applySet handles one -set a.b.c=value: bool, null and integers are typed, the rest strings.
func applySet(values map[string]interface{}, s string) error {
	eq := strings.IndexByte(s, '=')
	if eq <= 0 {
		return fmt.Errorf("-set %q: expected key=value", s)
	}
	keys := strings.Split(s[:eq], ".")
	raw := s[eq+1:]
	var v interface{} = raw
	switch {
	case raw == "true" || raw == "false":
		v = raw == "true"
	case raw == "null":
		v = nil
	default:
		if n, err := strconv.ParseInt(raw, 10, 64); err == nil {
			v = int(n)
		}
	}
	m := values
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]interface{})
		if !ok {
			next = map[string]interface{}{}
			m[k] = next
		}
		m = next
	}
	if v == nil {
		delete(m, keys[len(keys)-1])
	} else {
		m[keys[len(keys)-1]] = v
	}
	return nil
}

func splitKubeVersion(v string) (string, string) {
	parts := strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3)
	if len(parts) < 2 {
		return "1", "29"
	}
	return parts[0], parts[1]
}

func copyMap(m map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
