import { AccountBar } from '../src/components/AccountBar';
import { SessionList } from '../src/components/SessionList';

export default function Home() {
  return (
    <main className="home">
      <header className="home-header">
        <span className="brand big">
          <span className="brand-mark" aria-hidden>
            <i />
            <i />
            <i />
          </span>
          Mixroom
        </span>
        <p>Mix a song together with your engineer — same faders, same sound, in real time.</p>
        <AccountBar />
      </header>
      <h2 className="home-h2">Sessions</h2>
      <SessionList />
    </main>
  );
}
