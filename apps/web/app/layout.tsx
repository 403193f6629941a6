import type { Metadata } from 'next';
import './globals.css';
import { BusyBanner } from '../src/components/BusyBanner';
import { UpdatedBanner } from '../src/components/UpdatedBanner';

export const metadata: Metadata = {
  title: 'Mixroom',
  description: 'Mix a song together, live.',
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>
        <BusyBanner />
        <UpdatedBanner />
        {children}
      </body>
    </html>
  );
}
