import { render } from 'preact';
import { App } from './app.tsx';
import { loadSettings } from './lib/settings.ts';
import './styles.css';

const root = document.getElementById('app')!;
loadSettings()
  .then((settings) => render(<App settings={settings} />, root))
  .catch((error: unknown) => {
    root.textContent = error instanceof Error ? error.message : String(error);
  });
