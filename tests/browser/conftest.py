"""Selenium fixtures: Debian's headless Chromium driving pytest-django's live server.

The driver is started from /usr/bin/chromedriver explicitly, so selenium-manager never
looks for (or downloads) a browser or a driver.
"""

import itertools
import os
import re
from urllib.parse import urlsplit

import pytest
from selenium import webdriver
from selenium.common.exceptions import (
    ElementClickInterceptedException,
    NoSuchElementException,
    StaleElementReferenceException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
DESKTOP = (1280, 900)
PHONE = (390, 844)
WAIT_SECONDS = 30  # generous: CI shares two cores with the test database and the live server
PASSWORD = "correct-horse-42"  # tests.factories.UserFactory's password


def chrome_options(user_data_dir, size, javascript=True):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        f"--user-data-dir={user_data_dir}",
        f"--window-size={size[0]},{size[1]}",
        # A Chinese visitor: LocaleMiddleware reads Accept-Language, so the UI starts in
        # zh-hans (which is also LANGUAGE_CODE) rather than in headless Chrome's en-US.
        "--lang=zh-CN",
    ):
        options.add_argument(argument)
    prefs = {"intl.accept_languages": "zh-CN,zh"}
    if not javascript:
        # A visitor whose browser runs no scripts: every page must still work.
        prefs["profile.managed_default_content_settings.javascript"] = 2
    options.add_experimental_option("prefs", prefs)
    return options


class BrowserPage:
    """One browser window on the live server, with the few actions the flows need."""

    def __init__(self, driver, base_url):
        self.driver = driver
        self.base_url = base_url

    def __getattr__(self, name):
        # Everything else is the WebDriver's: browser.find_element(...), browser.title, …
        return getattr(self.driver, name)

    # navigation and waits
    def wait(self, timeout=WAIT_SECONDS):
        return WebDriverWait(
            self.driver,
            timeout,
            ignored_exceptions=(NoSuchElementException, StaleElementReferenceException),
        )

    def go(self, path):
        self.driver.get(self.base_url + path)
        self.wait().until(lambda d: d.execute_script("return document.readyState") == "complete")

    @property
    def path(self):
        return urlsplit(self.driver.current_url).path

    def wait_for_path(self, pattern):
        """Wait until the current path matches the regular expression; return the match."""
        self.wait().until(lambda d: re.fullmatch(pattern, urlsplit(d.current_url).path))
        self.wait().until(lambda d: d.execute_script("return document.readyState") == "complete")
        return re.fullmatch(pattern, self.path)

    def find(self, css):
        return self.wait().until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))

    def visible(self, css):
        return self.wait().until(EC.visibility_of_element_located((By.CSS_SELECTOR, css)))

    def click(self, css):
        # Bootstrap sets `scroll-behavior: smooth`, so WebDriver's own scrolling can still be
        # under way when it clicks: bring the element to the middle of the screen at once.
        # An HTMX swap (the completeness box) can move the page between scrolling and clicking:
        # scroll again and retry a few times before giving up.
        for attempt in range(3):
            element = self.find(css)
            self.driver.execute_script(
                "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element
            )
            element = self.wait().until(EC.element_to_be_clickable((By.CSS_SELECTOR, css)))
            try:
                element.click()
                return element
            except ElementClickInterceptedException:
                if attempt == 2:
                    raise

    def submit_with(self, css):
        """Click a submit button and wait for the next page to replace this one.

        The old page is marked on its window object, which a new document does not have.
        (Polling an old element for staleness instead races with Chromium tearing the
        document down: it can answer "Node … does not belong to the document".) While the
        navigation is under way a script may fail to run at all, so any WebDriver error
        just means "not yet".
        """
        self.driver.execute_script("window.techbridgeLeaving = true")
        self.click(css)
        WebDriverWait(self.driver, WAIT_SECONDS, ignored_exceptions=(WebDriverException,)).until(
            lambda d: d.execute_script(
                "return !window.techbridgeLeaving && document.readyState === 'complete'"
            )
        )

    def text(self, css="body"):
        return self.find(css).text

    # forms
    def fill(self, name, value, form="form"):
        element = self.find(f'{form} [name="{name}"]')
        element.clear()
        element.send_keys(value)
        return element

    def select(self, name, *, value=None, text=None, form="form"):
        select = Select(self.find(f'{form} select[name="{name}"]'))
        if value is not None:
            select.select_by_value(str(value))
        else:
            select.select_by_visible_text(text)
        return select

    def pick(self, name, typed, choice, form="form"):
        """Choose in a searchable picker (Tom Select): type into it, then click the option."""
        select_id = self.find(f'{form} select[name="{name}"]').get_attribute("id")
        self.click(f"#{select_id}-ts-control")
        # A single picker moves the focus to its search box in its dropdown once that opens.
        self.wait().until(lambda d: d.switch_to.active_element.tag_name == "input")
        # A multiple picker keeps the last search after a choice: type over it.
        self.driver.switch_to.active_element.send_keys(Keys.CONTROL, "a")
        self.driver.switch_to.active_element.send_keys(typed)
        options = f"#{select_id}-ts-dropdown .option"
        option = self.wait().until(
            lambda d: next(
                (o for o in d.find_elements(By.CSS_SELECTOR, options) if o.text == choice), None
            )
        )
        # Smooth scrolling (see click) can still be under way: centre the option at once.
        self.driver.execute_script(
            "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", option
        )
        option.click()
        # A multiple picker stays open for the next choice: close it as a person would.
        self.driver.switch_to.active_element.send_keys(Keys.ESCAPE)

    def pick_region(self, name, province, city=None, form="form"):
        """Choose a region in the province → city cascade that stands for the native select."""
        select_id = self.find(f'{form} select[name="{name}"]').get_attribute("id")
        Select(self.visible(f"#{select_id}-province")).select_by_visible_text(province)
        if city is not None:
            Select(self.visible(f"#{select_id}-city")).select_by_visible_text(city)

    def value(self, name, form="form"):
        return self.find(f'{form} [name="{name}"]').get_attribute("value")

    # accounts
    def log_in(self, username, password=PASSWORD, next_path=""):
        self.go("/accounts/login/" + (f"?next={next_path}" if next_path else ""))
        self.fill("username", username, form="#login-form")
        self.fill("password", password, form="#login-form")
        self.submit_with('#login-form button[type="submit"]')
        assert not self.path.startswith("/accounts/login/"), self.text("main")


@pytest.fixture
def new_browser(live_server, tmp_path, monkeypatch):
    """new_browser(size=DESKTOP, javascript=True) → a BrowserPage in a fresh Chromium profile.

    All the browsers started quit after the test.
    """
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            pytest.fail(f"{path} is missing: `make deps` installs Debian's chromium and driver.")
    # Belt and braces: even if selenium-manager were consulted, it must stay offline.
    monkeypatch.setenv("SE_OFFLINE", "true")
    drivers = []
    counter = itertools.count()

    def start(size=DESKTOP, javascript=True):
        profile = tmp_path / f"chromium-profile-{next(counter)}"
        profile.mkdir()
        driver = webdriver.Chrome(
            service=Service(executable_path=CHROMEDRIVER),
            options=chrome_options(profile, size, javascript),
        )
        drivers.append(driver)
        driver.set_window_size(*size)
        driver.set_page_load_timeout(30)
        return BrowserPage(driver, live_server.url)

    yield start
    for driver in drivers:
        driver.quit()


@pytest.fixture
def browser(new_browser):
    """A desktop-size (1280×900) browser window."""
    return new_browser(DESKTOP)
