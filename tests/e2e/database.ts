import postgres from 'postgres';

/** The URL of database `name` on the server `adminUrl` points at. */
export function e2eDatabaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function asAdmin(adminUrl: string, statement: string): Promise<void> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(statement);
  } finally {
    await admin.end();
  }
}

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

export const createDatabase = (adminUrl: string, name: string) => asAdmin(adminUrl, `create database ${quoted(name)}`);

export const dropDatabase = (adminUrl: string, name: string) =>
  asAdmin(adminUrl, `drop database if exists ${quoted(name)} with (force)`);
