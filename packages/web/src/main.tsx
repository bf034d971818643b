/** Entry point: languages first (so <html lang dir> is right before anything paints), then the app. */
import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App.tsx';
import { ar } from './app/i18n/ar.ts';
import { en } from './app/i18n/en.ts';
import { fr } from './app/i18n/fr.ts';
import { SessionProvider } from './auth/session.tsx';
import { queryClient } from './data/client.ts';
import { startI18n } from './i18n/setup.ts';
import { registerServiceWorker } from './pwa/register.ts';

startI18n({ fr, ar, en });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <SessionProvider>
        <App />
      </SessionProvider>
    </QueryClientProvider>
  </StrictMode>,
);

registerServiceWorker();
