package io.batchcall.support;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Headless Debian Chromium driven by its chromedriver, both given by path so that Selenium never downloads one,
 * with the flags build-notes.md lists for running as root offline. Downloads land in {@link #downloads()};
 * screenshots in {@code target/screenshots}.
 */
public final class Browser implements AutoCloseable {
    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");

    private final ChromeDriver driver;
    private final Path downloads;
    private final Path profile;

    private Browser(ChromeDriver driver, Path downloads, Path profile) {
        this.driver = driver;
        this.downloads = downloads;
        this.profile = profile;
    }

    /** The chromium and chromedriver executables on the PATH, when both are installed. */
    public static Optional<Map.Entry<Path, Path>> installed() {
        return executable("chromium")
                .flatMap(chromium -> executable("chromedriver").map(driver -> Map.entry(chromium, driver)));
    }

    private static Optional<Path> executable(String name) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, name))
                .filter(Files::isExecutable)
                .findFirst();
    }

    public static Browser start(Path chromium, Path chromedriver) {
        try {
            var downloads = Files.createTempDirectory("batchcall-downloads");
            var profile = Files.createTempDirectory("batchcall-chromium");
            var service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(chromedriver.toFile())
                    .usingAnyFreePort()
                    .build();
            var options = new ChromeOptions().setBinary(chromium.toFile());
            options.addArguments(
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-dev-shm-usage",
                    "--window-size=1280,900",
                    "--user-data-dir=" + profile);
            options.setExperimentalOption(
                    "prefs",
                    Map.of("download.default_directory", downloads.toString(), "download.prompt_for_download", false));
            return new Browser(new ChromeDriver(service, options), downloads, profile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public WebDriver driver() {
        return driver;
    }

    public Path downloads() {
        return downloads;
    }

    public void open(String url) {
        driver.get(url);
    }

    public WebElement find(String css) {
        return until(
                d -> d.findElements(By.cssSelector(css)).stream()
                        .filter(WebElement::isDisplayed)
                        .findFirst()
                        .orElse(null),
                "an element " + css);
    }

    public java.util.List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    /** The element's text; pages re-render while they poll, so a stale element is looked up again. */
    public String text(String css) {
        return until(d -> find(css).getText(), "the text of " + css);
    }

    public void click(String css) {
        until(
                d -> {
                    var element = find(css);
                    if (!element.isEnabled()) {
                        return null;
                    }
                    element.click();
                    return true;
                },
                "an enabled " + css + " to click");
    }

    public void type(String css, String text) {
        var element = find(css);
        element.clear();
        element.sendKeys(text);
    }

    /** Waits, up to a bound, for the function to answer something other than null or false. */
    public <T> T until(Function<WebDriver, T> condition, String what) {
        return new WebDriverWait(driver, PATIENCE)
                .withMessage(what)
                .ignoring(StaleElementReferenceException.class)
                .until(condition::apply);
    }

    public void waitForText(String css, String expected) {
        until(
                d -> {
                    var found = d.findElements(By.cssSelector(css));
                    return !found.isEmpty() && found.getFirst().getText().contains(expected);
                },
                "'" + expected + "' in " + css);
    }

    public void screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            Files.write(SCREENSHOTS.resolve(name + ".png"), driver.getScreenshotAs(OutputType.BYTES));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        driver.quit();
        for (var dir : new Path[] {downloads, profile}) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                // A temp directory left behind is harmless.
            }
        }
    }
}
