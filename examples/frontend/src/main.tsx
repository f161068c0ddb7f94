import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createGatewayClient } from './client.js';
import { OrderApp } from './order-app.js';

const client = createGatewayClient({
  url: import.meta.env.VITE_GATEWAY_URL ?? 'http://localhost:4000/graphql',
  trustedDocuments: import.meta.env.VITE_TRUSTED_DOCUMENTS === 'true',
});

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <OrderApp client={client} />
  </StrictMode>,
);
