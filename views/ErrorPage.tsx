import type { FC } from 'hono/jsx';
import type { User } from '../src/db/schema.js';
import { Layout } from './layout.js';

export const ErrorPage: FC<{ status: number; message: string; user?: User | null }> = ({ status, message, user }) => (
  <Layout title={titles[status] ?? 'Something went wrong'} user={user}>
    <section class="card error-card" aria-labelledby="error-title">
      <h1 id="error-title">{titles[status] ?? 'Something went wrong'}</h1>
      <p>{message}</p>
      <p>
        <a href={user ? '/lobby/' : '/'}>{user ? 'Back to the lobby' : 'Go to the sign-in page'}</a>
      </p>
    </section>
  </Layout>
);

const titles: Record<number, string> = {
  400: 'That request was not understood',
  401: 'Please sign in',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Already exists',
  413: 'Too large',
  415: 'Unsupported format',
  422: 'Please check the form',
  429: 'Slow down',
  500: 'Something went wrong on our side',
  503: 'Temporarily unavailable',
};
