// Command guard runs one command and makes sure it cannot outlive whoever started guard:
//
//	guard <command> [args...]
//
// guard watches its standard input, a pipe from the parent. The kernel closes that pipe when the parent dies,
// however it dies (even SIGKILL), and guard then terminates its whole process group: the command and anything
// it started. SIGTERM and SIGINT are passed on to the command; guard exits with the command's status.
//
// The parent should start guard as the leader of a new process group, so the group is exactly guard's tree.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: guard <command> [args...]")
		os.Exit(2)
	}
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr // the command's stdin is /dev/null
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "guard:", err)
		os.Exit(127)
	}

	orphaned := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(orphaned)
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	for {
		select {
		case err := <-exited:
			os.Exit(exitCode(err))
		case sig := <-signals:
			_ = cmd.Process.Signal(sig)
		case <-orphaned:
			fmt.Fprintln(os.Stderr, "guard: parent gone, stopping", os.Args[1])
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(3 * time.Second):
			}
			// The group's other members (anything the command started) go too, and guard with them.
			_ = syscall.Kill(-syscall.Getpgrp(), syscall.SIGKILL)
			os.Exit(1)
		}
	}
}

func exitCode(err error) int {
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return exit.ExitCode()
	default:
		return 1
	}
}
