package docs_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"net/http"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The stable error codes of the gateway, collected from its Go sources without running them:
//
//   - the Code field of every struct literal whose type pairs an error kind with a code
//     (domain.Error, the by-Client code table's entries) or a status with a code (the API
//     Gateway responses in infra/api.go), with the kind's or status's HTTP status;
//   - the code argument of every function that takes a parameter named code and returns an
//     error (domain.Errorf, domain's invalid, local helpers such as notQualified), with the kind
//     that function passes on;
//   - the package-level constants named Code* (domain.CodeNotFound, ...);
//   - literal error bodies ({"error":{"code":"..."}}) written without the error type
//     (shared/lambdaproxy, shared/httpapi/json.go).
//
// A code built from something the scanner cannot evaluate (a concatenation with a variable) is
// reported as a problem, so that every code stays visible here.

// codeInfo is one stable code and what the sources say about it.
type codeInfo struct {
	statuses map[int]bool // HTTP statuses it is answered with (known kinds and statuses only)
	where    []string     // file:line of each place it is produced
}

type scanResult struct {
	codes      map[string]*codeInfo
	unicoCodes map[string]string // Unico's by-Client codes (the code table's keys) → the gateway's code
	authCodes  map[string]string // Unico's 1.x.x authentication codes in literals → file:line
	problems   []string
}

type structInfo struct {
	fields              []string // flattened field names, in order
	codeField           string   // "code" or "Code"
	kindField, statusFn string   // the field carrying the kind ("" if none), or the status
}

type codeFunc struct {
	codeIdx, kindIdx int    // argument positions; kindIdx -1 when the function fixes the kind
	kind             string // the kind the function fixes (KindInvalid, ...); "" if unknown
}

type candidate struct {
	cf   codeFunc
	ft   *ast.FuncType
	body *ast.BlockStmt
	pkg  string
}

type scanner struct {
	root       string
	fset       *token.FileSet
	files      map[string][]*ast.File // package name → files
	consts     map[string]map[string]string
	structs    map[string]structInfo // "pkg.Type"
	funcs      map[string]codeFunc   // "pkg.Func": confirmed to put their code into an error
	cands      map[string]candidate  // functions with a code parameter, not yet confirmed
	kindStatus map[string]int        // "KindInvalid" → 400, from httpapi.statusOf
	res        scanResult
}

var authCodeRe = regexp.MustCompile(`^1\.\d+\.\d+$`)
var errorBodyRe = regexp.MustCompile(`\{"error":\{"code":"([a-z0-9_]+)"`)

// scanCodes scans the non-test Go files under the given directories (relative to root).
func scanCodes(t *testing.T, root string, dirs ...string) scanResult {
	t.Helper()
	s := &scanner{root: root, fset: token.NewFileSet(), files: map[string][]*ast.File{}, consts: map[string]map[string]string{},
		structs: map[string]structInfo{}, funcs: map[string]codeFunc{}, cands: map[string]candidate{},
		res: scanResult{codes: map[string]*codeInfo{}, unicoCodes: map[string]string{}, authCodes: map[string]string{}}}
	for _, dir := range dirs {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "testdata" {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(s.fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			s.files[f.Name.Name] = append(s.files[f.Name.Name], f)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(s.files["httpapi"]) > 0 {
		s.kindStatus = s.statusOfKinds(t)
	}
	for pkg, files := range s.files {
		for _, f := range files {
			s.collectDecls(pkg, f)
		}
	}
	// A function with a code parameter counts when it puts the code into an error (Errorf), or
	// passes it to one that does (invalid → Errorf); repeat until nothing changes.
	for changed := true; changed; {
		changed = false
		for key, c := range s.cands {
			if ok, kind := s.passes(c.pkg, c.ft, c.body, c.cf, nil); ok {
				if c.cf.kindIdx < 0 {
					c.cf.kind = kind
				}
				s.funcs[key] = c.cf
				delete(s.cands, key)
				changed = true
			}
		}
	}
	for pkg, files := range s.files {
		for _, f := range files {
			s.collectCodes(pkg, f)
		}
	}
	for pkg, consts := range s.consts {
		for name, v := range consts {
			if strings.HasPrefix(name, "Code") && len(name) > 4 && v != "" {
				s.add(v, 0, pkg+"."+name)
			}
		}
	}
	return s.res
}

// statusOfKinds reads shared/httpapi/errors.go's statusOf: the one mapping of kinds to statuses.
func (s *scanner) statusOfKinds(t *testing.T) map[string]int {
	statusByName := map[string]int{}
	for c := 100; c < 600; c++ {
		if txt := http.StatusText(c); txt != "" {
			statusByName["Status"+strings.NewReplacer(" ", "", "-", "").Replace(txt)] = c
		}
	}
	out := map[string]int{}
	for _, f := range s.files["httpapi"] {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Name.Name != "statusOf" {
				continue
			}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CaseClause:
					if len(n.Body) != 1 {
						return true
					}
					ret, ok := n.Body[0].(*ast.ReturnStmt)
					if !ok || len(ret.Results) != 1 {
						return true
					}
					st, ok := statusByName[selName(ret.Results[0])]
					if !ok {
						t.Fatalf("statusOf returns %s, not a net/http status", selName(ret.Results[0]))
					}
					for _, e := range n.List {
						out[selName(e)] = st
					}
				case *ast.ReturnStmt:
					if st, ok := statusByName[selName(n.Results[0])]; ok {
						out[""] = st // the default
					}
				}
				return true
			})
		}
	}
	if len(out) < 10 || out[""] != 500 {
		t.Fatalf("could not read statusOf from shared/httpapi/errors.go: %v", out)
	}
	return out
}

func selName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return e.Sel.Name
	}
	return ""
}

func (s *scanner) pos(p token.Pos) string {
	pp := s.fset.Position(p)
	rel, err := filepath.Rel(s.root, pp.Filename)
	if err != nil {
		rel = pp.Filename
	}
	return filepath.ToSlash(rel) + ":" + strconv.Itoa(pp.Line)
}

func (s *scanner) add(code string, status int, where string) {
	ci := s.res.codes[code]
	if ci == nil {
		ci = &codeInfo{statuses: map[int]bool{}}
		s.res.codes[code] = ci
	}
	if status != 0 {
		ci.statuses[status] = true
	}
	ci.where = append(ci.where, where)
}

// collectDecls records string constants, the error structs and the functions taking a code.
func (s *scanner) collectDecls(pkg string, f *ast.File) {
	if s.consts[pkg] == nil {
		s.consts[pkg] = map[string]string{}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GenDecl:
			for _, spec := range n.Specs {
				switch sp := spec.(type) {
				case *ast.ValueSpec:
					if n.Tok != token.CONST {
						continue
					}
					for i, name := range sp.Names {
						if i < len(sp.Values) {
							if lit, ok := sp.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
								v, _ := strconv.Unquote(lit.Value)
								s.consts[pkg][name.Name] = v
							}
						}
					}
				case *ast.TypeSpec:
					if st, ok := sp.Type.(*ast.StructType); ok {
						if info, ok := errorStruct(st); ok {
							s.structs[pkg+"."+sp.Name.Name] = info
						}
					}
				}
			}
		case *ast.FuncDecl:
			if n.Recv == nil && n.Body != nil {
				if cf, ok := codeParam(n.Type); ok {
					s.cands[pkg+"."+n.Name.Name] = candidate{cf, n.Type, n.Body, pkg}
				}
			}
		}
		return true
	})
}

// errorStruct: a struct with a string field code/Code and a field kind/Kind of type Kind, or a
// string field status (infra's API Gateway responses).
func errorStruct(st *ast.StructType) (structInfo, bool) {
	var info structInfo
	for _, fl := range st.Fields.List {
		typ := exprString(fl.Type)
		for _, name := range fl.Names {
			info.fields = append(info.fields, name.Name)
			switch {
			case (name.Name == "code" || name.Name == "Code") && typ == "string":
				info.codeField = name.Name
			case (name.Name == "kind" || name.Name == "Kind") && (typ == "Kind" || typ == "domain.Kind"):
				info.kindField = name.Name
			case name.Name == "status" && typ == "string":
				info.statusFn = name.Name
			}
		}
	}
	return info, info.codeField != "" && (info.kindField != "" || info.statusFn != "")
}

// codeParam: a function with a string parameter named code (and maybe one named kind).
func codeParam(ft *ast.FuncType) (codeFunc, bool) {
	cf := codeFunc{codeIdx: -1, kindIdx: -1}
	i := 0
	for _, fl := range ft.Params.List {
		typ := exprString(fl.Type)
		names := fl.Names
		if len(names) == 0 {
			i++
			continue
		}
		for _, name := range names {
			switch {
			case name.Name == "code" && typ == "string":
				cf.codeIdx = i
			case name.Name == "kind" && (typ == "Kind" || typ == "domain.Kind"):
				cf.kindIdx = i
			}
			i++
		}
	}
	return cf, cf.codeIdx >= 0
}

func exprString(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return exprString(e.X) + "." + e.Sel.Name
	case *ast.StarExpr:
		return "*" + exprString(e.X)
	case *ast.ArrayType:
		return "[]" + exprString(e.Elt)
	case *ast.MapType:
		return "map[" + exprString(e.Key) + "]" + exprString(e.Value)
	}
	return fmt.Sprintf("%T", e)
}

// localFuncs returns the function literals a function body names (notQualified := func(code, msg string) error {...}).
func localFuncs(body *ast.BlockStmt) map[string]*ast.FuncLit {
	out := map[string]*ast.FuncLit{}
	if body == nil {
		return out
	}
	ast.Inspect(body, func(n ast.Node) bool {
		if as, ok := n.(*ast.AssignStmt); ok && len(as.Lhs) == 1 && len(as.Rhs) == 1 {
			if id, ok := as.Lhs[0].(*ast.Ident); ok {
				if fl, ok := as.Rhs[0].(*ast.FuncLit); ok {
					out[id.Name] = fl
				}
			}
		}
		return true
	})
	return out
}

// passes reports whether body puts its code parameter into an error: an error struct's code
// field, or the code argument of a function that does. kind is the kind it goes with, when fixed.
func (s *scanner) passes(pkg string, ft *ast.FuncType, body *ast.BlockStmt, cf codeFunc, locals map[string]codeFunc) (ok bool, kind string) {
	param, kindParam := paramName(ft, cf.codeIdx), paramName(ft, cf.kindIdx)
	isParam := func(e ast.Expr, name string) bool {
		id, ok := e.(*ast.Ident)
		return ok && name != "" && id.Name == name
	}
	setKind := func(e ast.Expr) {
		if e != nil && !isParam(e, kindParam) {
			if k := selName(e); k != "" {
				kind = k
			}
		}
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CompositeLit:
			si, found := s.structs[typeKeyIn(pkg, n.Type)]
			if !found {
				return true
			}
			var codeExpr, kindExpr ast.Expr
			for i, el := range n.Elts {
				name, val := "", el
				if kv, isKV := el.(*ast.KeyValueExpr); isKV {
					name, val = selName(kv.Key), kv.Value
				} else if i < len(si.fields) {
					name = si.fields[i]
				}
				switch name {
				case si.codeField:
					codeExpr = val
				case si.kindField:
					kindExpr = val
				}
			}
			if codeExpr != nil && isParam(codeExpr, param) {
				ok = true
				setKind(kindExpr)
			}
		case *ast.CallExpr:
			inner, found := s.callee(pkg, n, locals)
			if !found || inner.codeIdx >= len(n.Args) || !isParam(n.Args[inner.codeIdx], param) {
				return true
			}
			ok = true
			if inner.kindIdx >= 0 && inner.kindIdx < len(n.Args) {
				setKind(n.Args[inner.kindIdx])
			} else if inner.kind != "" {
				kind = inner.kind
			}
		}
		return true
	})
	return ok, kind
}

// typeKeyIn names a composite literal's type as "pkg.Type".
func typeKeyIn(pkg string, e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return pkg + "." + e.Name
	case *ast.SelectorExpr:
		return exprString(e)
	case *ast.StarExpr:
		return typeKeyIn(pkg, e.X)
	}
	return ""
}

func paramName(ft *ast.FuncType, idx int) string {
	i := 0
	for _, fl := range ft.Params.List {
		if len(fl.Names) == 0 {
			i++
			continue
		}
		for _, n := range fl.Names {
			if i == idx {
				return n.Name
			}
			i++
		}
	}
	return ""
}

// localCodeFuncs resolves a body's function literals that put a code into an error.
func (s *scanner) localCodeFuncs(pkg string, body *ast.BlockStmt) map[string]codeFunc {
	out := map[string]codeFunc{}
	for name, fl := range localFuncs(body) {
		if cf, ok := codeParam(fl.Type); ok {
			if passes, kind := s.passes(pkg, fl.Type, fl.Body, cf, nil); passes {
				if cf.kindIdx < 0 {
					cf.kind = kind
				}
				out[name] = cf
			}
		}
	}
	return out
}

func (s *scanner) callee(pkg string, call *ast.CallExpr, locals map[string]codeFunc) (codeFunc, bool) {
	switch fn := call.Fun.(type) {
	case *ast.Ident:
		if cf, ok := locals[fn.Name]; ok {
			return cf, true
		}
		cf, ok := s.funcs[pkg+"."+fn.Name]
		return cf, ok
	case *ast.SelectorExpr:
		if x, ok := fn.X.(*ast.Ident); ok {
			cf, ok := s.funcs[x.Name+"."+fn.Sel.Name]
			return cf, ok
		}
	}
	return codeFunc{}, false
}

// resolve evaluates a code expression: a string literal, a constant, or a concatenation of
// them. ok false with fatal false: a variable (a code passed through, produced elsewhere).
func (s *scanner) resolve(pkg string, e ast.Expr) (v string, ok, fatal bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			v, err := strconv.Unquote(e.Value)
			return v, err == nil, err != nil
		}
	case *ast.Ident:
		v, ok := s.consts[pkg][e.Name]
		return v, ok, false
	case *ast.SelectorExpr:
		if x, isIdent := e.X.(*ast.Ident); isIdent {
			if c, isPkg := s.consts[x.Name]; isPkg {
				v, ok := c[e.Sel.Name]
				return v, ok, false
			}
		}
		return "", false, false
	case *ast.BinaryExpr:
		if e.Op == token.ADD {
			l, lok, _ := s.resolve(pkg, e.X)
			r, rok, _ := s.resolve(pkg, e.Y)
			if lok && rok {
				return l + r, true, false
			}
			return "", false, true
		}
	case *ast.ParenExpr:
		return s.resolve(pkg, e.X)
	}
	return "", false, true
}

func (s *scanner) statusOf(kind string) int {
	if kind == "" {
		return 0
	}
	if st, ok := s.kindStatus[kind]; ok {
		return st
	}
	if kind == "KindInternal" {
		return s.kindStatus[""]
	}
	return 0
}

func (s *scanner) codeAt(pkg string, e ast.Expr, status int, where string) {
	v, ok, fatal := s.resolve(pkg, e)
	switch {
	case ok:
		s.add(v, status, where)
	case fatal:
		s.res.problems = append(s.res.problems, where+": an error code built from a value the scanner cannot read; use a literal or a Code* constant")
	}
}

// collectCodes walks every literal and call of the file.
func (s *scanner) collectCodes(pkg string, f *ast.File) {
	elided := map[*ast.CompositeLit]string{}  // inferred type of elided literals ("pkg.Type")
	mapKeys := map[*ast.CompositeLit]string{} // the key of a literal that is a map value
	typeKey := func(e ast.Expr) string { return typeKeyIn(pkg, e) }
	localStructs := map[string]structInfo{}
	lookup := func(key string) (structInfo, bool) {
		if si, ok := localStructs[key]; ok {
			return si, true
		}
		si, ok := s.structs[key]
		return si, ok
	}
	var visitFunc func(body ast.Node, locals map[string]codeFunc)
	visitFunc = func(body ast.Node, locals map[string]codeFunc) {
		ast.Inspect(body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.TypeSpec: // a struct type declared inside a function (infra's response)
				if st, ok := n.Type.(*ast.StructType); ok {
					if info, ok := errorStruct(st); ok {
						localStructs[pkg+"."+n.Name.Name] = info
					}
				}
			case *ast.CompositeLit:
				key := elided[n]
				if n.Type != nil {
					key = typeKey(n.Type)
					var elem ast.Expr
					switch t := n.Type.(type) {
					case *ast.MapType:
						elem = t.Value
					case *ast.ArrayType:
						elem = t.Elt
					}
					if elem != nil {
						ek := typeKey(elem)
						for _, el := range n.Elts {
							val, key := el, ""
							if kv, ok := el.(*ast.KeyValueExpr); ok {
								val = kv.Value
								if _, isMap := n.Type.(*ast.MapType); isMap {
									key, _, _ = s.resolve(pkg, kv.Key)
								}
							}
							if u, ok := val.(*ast.UnaryExpr); ok {
								val = u.X
							}
							if cl, ok := val.(*ast.CompositeLit); ok {
								if cl.Type == nil {
									elided[cl] = ek
								}
								if key != "" {
									mapKeys[cl] = key
								}
							}
						}
					}
				}
				si, ok := lookup(key)
				if !ok {
					return true
				}
				var codeExpr, kindExpr, statusExpr ast.Expr
				for i, el := range n.Elts {
					name, val := "", el
					if kv, ok := el.(*ast.KeyValueExpr); ok {
						name, val = selName(kv.Key), kv.Value
					} else if i < len(si.fields) {
						name = si.fields[i]
					}
					switch name {
					case si.codeField:
						codeExpr = val
					case si.kindField:
						kindExpr = val
					case si.statusFn:
						statusExpr = val
					}
				}
				if codeExpr == nil {
					return true
				}
				status := 0
				if kindExpr != nil {
					status = s.statusOf(selName(kindExpr))
				} else if statusExpr != nil {
					if v, ok, _ := s.resolve(pkg, statusExpr); ok && v != "" {
						status, _ = strconv.Atoi(v)
					}
				}
				s.codeAt(pkg, codeExpr, status, s.pos(codeExpr.Pos()))
				if key := mapKeys[n]; key != "" {
					// A table of Unico's codes (the by-Client code table): key → our code.
					if v, ok, _ := s.resolve(pkg, codeExpr); ok {
						s.res.unicoCodes[key] = v
					}
				}
			case *ast.CallExpr:
				cf, ok := s.callee(pkg, n, locals)
				if !ok || cf.codeIdx >= len(n.Args) {
					return true
				}
				kind := cf.kind
				if cf.kindIdx >= 0 && cf.kindIdx < len(n.Args) {
					kind = selName(n.Args[cf.kindIdx])
				}
				s.codeAt(pkg, n.Args[cf.codeIdx], s.statusOf(kind), s.pos(n.Args[cf.codeIdx].Pos()))
			case *ast.BasicLit:
				if n.Kind != token.STRING {
					return true
				}
				v, _ := strconv.Unquote(n.Value)
				if authCodeRe.MatchString(v) {
					s.res.authCodes[v] = s.pos(n.Pos())
				}
				for _, m := range errorBodyRe.FindAllStringSubmatch(v, -1) {
					s.add(m[1], 0, s.pos(n.Pos()))
				}
			}
			return true
		})
	}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
			visitFunc(fd.Body, s.localCodeFuncs(pkg, fd.Body))
			continue
		}
		visitFunc(d, nil)
	}
}

// sortedCodes lists the codes in order.
func (r scanResult) sortedCodes() []string {
	out := make([]string, 0, len(r.codes))
	for c := range r.codes {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}
