// An MCP server over Streamable HTTP and HTTPS, Go standard library only
// (crypto/tls), answering every request with a JSON body. Built at test
// time by the tests that trace Go's crypto/tls (test_tls_go.sh).
//   tools: echo {message} -> "Echo: MESSAGE"
// A session per initialize (Mcp-Session-Id); notifications get 202.
//
// Usage: mcp_server -cert PEM -key PEM [-port-file FILE]
// Binds 127.0.0.1 on a free port, writes the port to -port-file (through a
// rename) once it accepts, and prints "listening on 127.0.0.1:PORT" on stderr.
package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
)

type server struct {
	mu       sync.Mutex
	sessions map[string]bool
}

func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *server) result(id json.RawMessage, method string, params json.RawMessage) (interface{}, map[string]interface{}) {
	switch method {
	case "initialize":
		return map[string]interface{}{
			"protocolVersion": "2025-06-18",
			"capabilities":    map[string]interface{}{"tools": map[string]interface{}{}},
			"serverInfo":      map[string]interface{}{"name": "go-mcp-server", "version": "0.0.1"},
		}, nil
	case "ping":
		return map[string]interface{}{}, nil
	case "tools/list":
		return map[string]interface{}{"tools": []interface{}{map[string]interface{}{
			"name": "echo", "description": "Echoes a message",
			"inputSchema": map[string]interface{}{"type": "object",
				"properties": map[string]interface{}{"message": map[string]interface{}{"type": "string"}},
				"required":   []string{"message"}},
		}}}, nil
	case "tools/call":
		var p struct {
			Name      string `json:"name"`
			Arguments struct {
				Message string `json:"message"`
			} `json:"arguments"`
		}
		if err := json.Unmarshal(params, &p); err != nil || p.Name != "echo" {
			return nil, map[string]interface{}{"code": -32602, "message": "unknown tool"}
		}
		return map[string]interface{}{"content": []interface{}{
			map[string]interface{}{"type": "text", "text": "Echo: " + p.Arguments.Message}}}, nil
	}
	return nil, map[string]interface{}{"code": -32601, "message": "method not found: " + method}
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/mcp" {
		http.NotFound(w, r)
		return
	}
	sid := r.Header.Get("Mcp-Session-Id")
	switch r.Method {
	case "POST":
	case "DELETE":
		s.mu.Lock()
		delete(s.sessions, sid)
		s.mu.Unlock()
		w.WriteHeader(http.StatusOK)
		return
	default:
		w.Header().Set("Allow", "POST, DELETE")
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var msg struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
		Params json.RawMessage `json:"params"`
	}
	if err := json.Unmarshal(body, &msg); err != nil {
		http.Error(w, "not JSON-RPC", http.StatusBadRequest)
		return
	}
	if msg.Method == "initialize" {
		sid = newID()
		s.mu.Lock()
		s.sessions[sid] = true
		s.mu.Unlock()
	} else {
		s.mu.Lock()
		ok := s.sessions[sid]
		s.mu.Unlock()
		if !ok {
			http.Error(w, "unknown session", http.StatusNotFound)
			return
		}
	}
	if msg.ID == nil {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	res, rpcErr := s.result(msg.ID, msg.Method, msg.Params)
	out := map[string]interface{}{"jsonrpc": "2.0", "id": msg.ID}
	if rpcErr != nil {
		out["error"] = rpcErr
	} else {
		out["result"] = res
	}
	data, _ := json.Marshal(out)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Mcp-Session-Id", sid)
	w.Write(data)
}

func main() {
	cert := flag.String("cert", "", "certificate PEM")
	key := flag.String("key", "", "key PEM")
	portFile := flag.String("port-file", "", "where the port goes once listening")
	flag.Parse()
	if *cert == "" || *key == "" {
		fmt.Fprintln(os.Stderr, "mcp_server: -cert and -key are required")
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "mcp_server:", err)
		os.Exit(1)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if *portFile != "" {
		tmp := *portFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(fmt.Sprintf("%d\n", port)), 0o644); err == nil {
			os.Rename(tmp, *portFile)
		}
	}
	fmt.Fprintf(os.Stderr, "listening on 127.0.0.1:%d\n", port)
	srv := &http.Server{Handler: &server{sessions: map[string]bool{}}}
	if err := srv.ServeTLS(ln, *cert, *key); err != nil {
		fmt.Fprintln(os.Stderr, "mcp_server:", err)
		os.Exit(1)
	}
}
