// One-byte TLS round trips between two goroutines of this process, over
// loopback TCP, through Go's crypto/tls: the Go twin of tls_pingpong.py for
// scripts/bench-tls.sh. Each round trip is four TLS calls: Write and Read at
// each end. Prints the best of ROUNDS passes as "us_per_call=X".
// Usage: tls_pingpong CERT KEY N [ROUNDS]   (standard library only)
package main

import (
	"crypto/tls"
	"fmt"
	"os"
	"strconv"
	"time"
)

func die(err error) {
	fmt.Fprintln(os.Stderr, "tls_pingpong:", err)
	os.Exit(1)
}

func main() {
	if len(os.Args) < 4 {
		die(fmt.Errorf("usage: tls_pingpong CERT KEY N [ROUNDS]"))
	}
	n, _ := strconv.Atoi(os.Args[3])
	rounds := 3
	if len(os.Args) > 4 {
		rounds, _ = strconv.Atoi(os.Args[4])
	}
	cert, err := tls.LoadX509KeyPair(os.Args[1], os.Args[2])
	if err != nil {
		die(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		die(err)
	}
	go func() {
		c, err := ln.Accept()
		if err != nil {
			die(err)
		}
		b := make([]byte, 1)
		for {
			if _, err := c.Read(b); err != nil {
				return
			}
			if _, err := c.Write(b); err != nil {
				return
			}
		}
	}()
	c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		die(err)
	}
	b := []byte{'x'}
	best := time.Duration(1 << 62)
	for r := 0; r < rounds; r++ {
		t0 := time.Now()
		for i := 0; i < n; i++ {
			if _, err := c.Write(b); err != nil {
				die(err)
			}
			if _, err := c.Read(b); err != nil {
				die(err)
			}
		}
		if d := time.Since(t0); d < best {
			best = d
		}
	}
	c.Close()
	fmt.Printf("us_per_call=%.3f\n", float64(best.Microseconds())/float64(4*n))
}
