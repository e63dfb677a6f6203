package browsertest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// Shared is one headless Chromium that a test package's page tests
// share: the first tab starts it, the package's TestMain stops it. Each
// tab is a browser context of its own (its own storage, cookies and
// cache, as on a device of its own) in a window of its own, so that
// pages are isolated as with a Chromium each, without starting one each.
// The zero value is ready to use.
type Shared struct {
	mu      sync.Mutex
	browser context.Context // the browser's first tab; nil until started
	stop    func()
}

// Tab opens a blank tab in a new browser context of Chromium exe (the
// shared one, started with software WebGL for the maps if it is not
// running), closed and disposed when the test ends. It returns the tab
// and its browser context, for the calls that take one (permissions).
func (s *Shared) Tab(tb testing.TB, exe string) (context.Context, cdp.BrowserContextID) {
	tb.Helper()
	bctx, err := s.start(exe)
	if err != nil {
		tb.Fatal(err)
	}
	exec := cdp.WithExecutor(bctx, chromedp.FromContext(bctx).Browser)
	bcid, err := target.CreateBrowserContext().Do(exec)
	if err != nil {
		tb.Fatalf("new browser context: %v", err)
	}
	// Cleanups run last first: the tab closes, then its context goes.
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(bctx, 10*time.Second)
		defer cancel()
		_ = target.DisposeBrowserContext(bcid).Do(cdp.WithExecutor(ctx, chromedp.FromContext(bctx).Browser))
	})
	// A tab of a new browser context opens in no window unless asked;
	// in a window of its own it is in front, never throttled.
	tid, err := target.CreateTarget("about:blank").WithBrowserContextID(bcid).WithNewWindow(true).Do(exec)
	if err != nil {
		tb.Fatalf("open a tab: %v", err)
	}
	ctx, cancel := chromedp.NewContext(bctx, chromedp.WithTargetID(tid))
	tb.Cleanup(cancel)
	// The first Run attaches the tab, which lives as long as the context
	// it is given: this one, not a caller's timeout.
	if err := chromedp.Run(ctx); err != nil {
		tb.Fatalf("attach the tab: %v", err)
	}
	return ctx, bcid
}

// start returns the running Chromium, starting it first if need be.
func (s *Shared) start(exe string) (context.Context, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.browser != nil {
		return s.browser, nil
	}
	dir, err := os.MkdirTemp("", "dispatchd-chromium-")
	if err != nil {
		return nil, err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.Flag("headless", "new"),
		// WebGL through SwiftShader, in software: MapLibre needs it.
		chromedp.Flag("enable-unsafe-swiftshader", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(dir))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	stop := func() {
		cancelCtx()
		cancelAlloc()
		// Chromium's helpers may still write to it as they exit.
		_ = os.RemoveAll(dir)
	}
	if err := chromedp.Run(ctx); err != nil {
		stop()
		return nil, fmt.Errorf("start Chromium: %w", err)
	}
	s.browser, s.stop = ctx, stop
	return ctx, nil
}

// Stop stops the Chromium, if a tab started it.
func (s *Shared) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stop != nil {
		s.stop()
		s.browser, s.stop = nil, nil
	}
}
