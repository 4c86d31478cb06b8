// A one-shot MCP client over Streamable HTTP and HTTPS, Go standard library
// only (crypto/tls): initialize, notifications/initialized, tools/list, then
// one tools/call, each a POST; answers may be JSON or an SSE stream. Built
// at test time by the tests that trace Go's crypto/tls (test_tls_go.sh).
//
// Usage: mcp_client -url URL -cacert PEM [-name CLIENT] [-init-body FILE]
//                   [-init-out FILE] [-tool NAME] [-message TEXT]
// -init-body: the initialize request's exact body (else one is made);
// -init-out: where its answer's body goes. Prints the initialize answer's
// Content-Type, then the tools/call result text, one a line; exits 1 with
// a line on stderr on any failure. It speaks HTTP/1.1 (a Transport with its
// own TLS config does not offer h2): mcptrace does not decode HTTP/2.
package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

type client struct {
	http    *http.Client
	url     string
	session string
}

// post sends body and returns the answer's body and Content-Type.
func (c *client) post(body []byte) ([]byte, string, error) {
	req, err := http.NewRequest("POST", c.url, bytes.NewReader(body))
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("MCP-Protocol-Version", "2025-06-18")
	if c.session != "" {
		req.Header.Set("Mcp-Session-Id", c.session)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, "", err
	}
	if resp.StatusCode/100 != 2 {
		return nil, "", fmt.Errorf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(data)))
	}
	if s := resp.Header.Get("Mcp-Session-Id"); s != "" {
		c.session = s
	}
	return data, resp.Header.Get("Content-Type"), nil
}

// answer: the JSON-RPC message of a body, JSON or SSE (its first data event).
func answer(body []byte, ctype string) (map[string]interface{}, error) {
	raw := body
	if strings.HasPrefix(ctype, "text/event-stream") {
		raw = nil
		sc := bufio.NewScanner(bytes.NewReader(body))
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		var data []string
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "data:") {
				data = append(data, strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
			} else if line == "" && len(data) > 0 {
				raw = []byte(strings.Join(data, "\n"))
				break
			}
		}
		if raw == nil && len(data) > 0 {
			raw = []byte(strings.Join(data, "\n"))
		}
		if raw == nil {
			return nil, errors.New("an SSE answer without data")
		}
	}
	var m map[string]interface{}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("answer is not JSON: %v", err)
	}
	if e, ok := m["error"]; ok {
		return nil, fmt.Errorf("JSON-RPC error: %v", e)
	}
	return m, nil
}

func (c *client) call(id int, method string, params interface{}) (map[string]interface{}, error) {
	body, _ := json.Marshal(map[string]interface{}{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
	data, ctype, err := c.post(body)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", method, err)
	}
	m, err := answer(data, ctype)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", method, err)
	}
	return m, nil
}

func fail(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "mcp_client: "+format+"\n", a...)
	os.Exit(1)
}

func main() {
	url := flag.String("url", "", "the MCP endpoint, https://...")
	cacert := flag.String("cacert", "", "PEM file of the CA to trust")
	name := flag.String("name", "go-mcp-client", "clientInfo.name")
	initBody := flag.String("init-body", "", "file: the initialize request's body")
	initOut := flag.String("init-out", "", "file: the initialize answer's body")
	tool := flag.String("tool", "echo", "the tool to call")
	message := flag.String("message", "hello from Go", "the echo tool's message")
	flag.Parse()
	if *url == "" || *cacert == "" {
		fail("-url and -cacert are required")
	}
	pem, err := os.ReadFile(*cacert)
	if err != nil {
		fail("%v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		fail("no certificate in %s", *cacert)
	}
	c := &client{url: *url, http: &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: false},
	}}

	var body []byte
	if *initBody != "" {
		if body, err = os.ReadFile(*initBody); err != nil {
			fail("%v", err)
		}
	} else {
		body, _ = json.Marshal(map[string]interface{}{"jsonrpc": "2.0", "id": 1, "method": "initialize",
			"params": map[string]interface{}{"protocolVersion": "2025-06-18", "capabilities": map[string]interface{}{},
				"clientInfo": map[string]interface{}{"name": *name, "version": "0.0.1"}}})
	}
	data, ctype, err := c.post(body)
	if err != nil {
		fail("initialize: %v", err)
	}
	if *initOut != "" {
		if err := os.WriteFile(*initOut, data, 0o644); err != nil {
			fail("%v", err)
		}
	}
	if _, err := answer(data, ctype); err != nil {
		fail("initialize: %v", err)
	}
	fmt.Println(ctype)
	note, _ := json.Marshal(map[string]interface{}{"jsonrpc": "2.0", "method": "notifications/initialized"})
	if _, _, err := c.post(note); err != nil {
		fail("notifications/initialized: %v", err)
	}
	if _, err := c.call(2, "tools/list", map[string]interface{}{}); err != nil {
		fail("%v", err)
	}
	m, err := c.call(3, "tools/call", map[string]interface{}{"name": *tool,
		"arguments": map[string]interface{}{"message": *message}})
	if err != nil {
		fail("%v", err)
	}
	text := ""
	if r, ok := m["result"].(map[string]interface{}); ok {
		if content, ok := r["content"].([]interface{}); ok && len(content) > 0 {
			if first, ok := content[0].(map[string]interface{}); ok {
				text, _ = first["text"].(string)
			}
		}
	}
	if text == "" {
		fail("tools/call: no text in %v", m)
	}
	fmt.Println(text)
}
