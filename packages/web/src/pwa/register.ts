/// <reference types="vite/client" />
/**
 * Registers the service worker of the built app, once the page has loaded (its downloads never
 * compete with the first screen's). Not in development: Vite's own server serves fresh files.
 */
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  const register = () => {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {
      // no worker (private mode, blocked by policy): the app works as a plain web page
    });
  };
  if (document.readyState === 'complete') register();
  else window.addEventListener('load', register, { once: true });
}
