import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { appInfo } from "@/dev/fixtures";
import { fail } from "@/dev/mockBackend";
import { renderApp } from "@/test/renderApp";

describe("Settings", () => {
  it("saves the language with settings_set_language and lays the app out right to left for Persian", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/settings");
    const select = await screen.findByTestId("settings-language");
    expect(select.tagName).toBe("SELECT");
    expect(document.documentElement).toHaveAttribute("dir", "ltr");

    await user.selectOptions(select, "fa");

    expect(backend.calls).toContainEqual({ cmd: "settings_set_language", args: { language: "fa" } });
    await waitFor(() => expect(document.documentElement).toHaveAttribute("dir", "rtl"));
    expect(document.documentElement).toHaveAttribute("lang", "fa");
    expect(await screen.findByTestId("page-title")).toHaveTextContent("تنظیمات");
    expect(screen.getByTestId("nav-runs")).toHaveTextContent("اجراها");

    await user.selectOptions(screen.getByTestId("settings-language"), "tr");
    await waitFor(() => expect(document.documentElement).toHaveAttribute("dir", "ltr"));
    expect(screen.getByTestId("page-title")).toHaveTextContent("Ayarlar");
  });

  it("saves the theme and puts the dark class on <html>", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/settings");
    await user.selectOptions(await screen.findByTestId("settings-theme"), "dark");
    expect(backend.calls).toContainEqual({ cmd: "settings_set_theme", args: { theme: "dark" } });
    await waitFor(() => expect(document.documentElement).toHaveClass("dark"));
    await user.selectOptions(screen.getByTestId("settings-theme"), "light");
    await waitFor(() => expect(document.documentElement).not.toHaveClass("dark"));
  });

  it("keeps the current language and shows why when saving fails", async () => {
    const user = userEvent.setup();
    await renderApp("/settings", { settings_set_language: () => fail("internal", "database is locked") });
    await user.selectOptions(await screen.findByTestId("settings-language"), "ar");
    expect(await screen.findByText("The setting could not be saved.")).toBeInTheDocument();
    expect(screen.getByText("database is locked")).toBeInTheDocument();
    expect(document.documentElement).toHaveAttribute("dir", "ltr");
    expect(screen.getByTestId("settings-language")).toHaveValue("en");
  });

  it("shows the data folder from app_info", async () => {
    await renderApp("/settings");
    expect(await screen.findByTestId("settings-data-dir")).toHaveTextContent(appInfo.dataDir);
  });

  it("turns start at login on through settings_set_start_at_login; it is off by default", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/settings");
    const toggle = await screen.findByTestId("settings-start-at-login");
    expect(toggle).not.toBeChecked();
    await user.click(toggle);
    expect(backend.calls).toContainEqual({ cmd: "settings_set_start_at_login", args: { enabled: true } });
    await waitFor(() => expect(screen.getByTestId("settings-start-at-login")).toBeChecked());
  });

  it("leaves start at login as it was and says why when the login item cannot be written", async () => {
    const user = userEvent.setup();
    await renderApp("/settings", {
      settings_set_start_at_login: () => fail("internal", "could not turn on start at login: permission denied"),
    });
    await user.click(await screen.findByTestId("settings-start-at-login"));
    expect(await screen.findByTestId("settings-start-at-login-error")).toHaveTextContent("permission denied");
    expect(screen.getByTestId("settings-start-at-login")).not.toBeChecked();
  });
});

describe("Settings: demo data", () => {
  it("removes demo data after a confirmation, and the banner goes", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/settings");
    expect(await screen.findByTestId("demo-banner")).toBeInTheDocument();
    await user.click(await screen.findByTestId("demo-remove"));
    // Nothing happens before the planner confirms; the confirm button has the focus.
    expect(backend.calls.some((c) => c.cmd === "demo_remove")).toBe(false);
    expect(screen.getByTestId("demo-remove-yes")).toHaveFocus();
    await user.keyboard("{Enter}");
    await waitFor(() => expect(backend.calls.some((c) => c.cmd === "demo_remove")).toBe(true));
    await waitFor(() => expect(screen.queryByTestId("demo-banner")).not.toBeInTheDocument());
    expect(screen.queryByTestId("demo-remove")).not.toBeInTheDocument();
  });

  it("keeps everything when the confirmation is dismissed with Escape", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/settings");
    await user.click(await screen.findByTestId("demo-remove"));
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("demo-remove-confirm")).not.toBeInTheDocument();
    expect(screen.getByTestId("demo-remove")).toHaveFocus();
    expect(backend.calls.some((c) => c.cmd === "demo_remove")).toBe(false);
  });

  it("shows why demo data could not be removed", async () => {
    const user = userEvent.setup();
    await renderApp("/settings", {
      demo_remove: () => fail("conflict", "entity 'sites' is syncing: cancel its run before removing it"),
    });
    await user.click(await screen.findByTestId("demo-remove"));
    await user.click(screen.getByTestId("demo-remove-yes"));
    expect(await screen.findByTestId("demo-remove-error")).toHaveTextContent("cancel its run");
  });
});
