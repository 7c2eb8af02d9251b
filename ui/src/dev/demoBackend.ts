import { installMockBackend } from "./mockBackend";

/** `npm run dev:mock`: the whole UI in a browser with sample data, for design work without Rust. */
export function installDemoBackend(): void {
  installMockBackend();
}
