import { AccountBar } from '../src/components/AccountBar';
import { Brand } from '../src/components/Brand';
import { SessionList } from '../src/components/SessionList';

export default function Home() {
  return (
    <main className="home">
      <header className="home-header">
        <Brand big />
        <p>Mix a song together with your engineer — same faders, same sound, in real time.</p>
        <AccountBar />
      </header>
      <h2 className="home-h2">Sessions</h2>
      <SessionList />
    </main>
  );
}
