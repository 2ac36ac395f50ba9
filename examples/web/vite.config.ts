import react from '@vitejs/plugin-react';
import { defineConfig, type ProxyOptions } from 'vite';

// The gateway the dev server and `vite preview` forward `/graphql` to (HTTP and WebSocket),
// so the browser only ever talks to one origin and the gateway needs no CORS configuration.
const gateway = process.env.GATEWAY_URL ?? 'http://127.0.0.1:8000';

const proxy: Record<string, ProxyOptions> = {
  '/graphql': { target: gateway, changeOrigin: true, ws: true },
};

export default defineConfig({
  plugins: [react()],
  server: { proxy },
  preview: { proxy },
});
