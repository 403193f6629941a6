import type { NextConfig } from 'next';

// Exported statically: the Node server serves apps/web/out and maps every /s/<id> to session.html.
const nextConfig: NextConfig = {
  output: 'export',
  transpilePackages: ['@mixroom/engine', '@mixroom/protocol'],
  images: { unoptimized: true },
  reactStrictMode: true,
};

export default nextConfig;
