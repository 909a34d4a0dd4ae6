// A small router for the console's pages under /console: the path after the base, navigation
// with the History API, and links that stay in the page.
import { useEffect, useState } from 'preact/hooks';
import { consoleBase } from './auth.ts';

const changed = 'sa-bridge:navigate';

export function currentPath(): string {
  const path = window.location.pathname.startsWith(consoleBase) ? window.location.pathname.slice(consoleBase.length) : '/';
  return path === '' ? '/' : path;
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const url = `${consoleBase}${to}`;
  if (options.replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  window.dispatchEvent(new Event(changed));
}

export function useLocation(): { path: string; search: URLSearchParams } {
  const read = () => ({ path: currentPath(), search: new URLSearchParams(window.location.search) });
  const [location, setLocation] = useState(read);
  useEffect(() => {
    const update = () => setLocation(read());
    window.addEventListener('popstate', update);
    window.addEventListener(changed, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(changed, update);
    };
  }, []);
  return location;
}

/** Follows a console link in the page unless the user asked for a new tab or window. */
export function followLink(event: MouseEvent, to: string): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(to);
}
