"""Search-as-you-type on the home page, in a real browser: typing without diacritics
offers the service's proper name."""

from tests.support import screenshot


def test_typing_on_the_home_page_offers_matching_names(live_server, page, make_service):
    make_service(status="published")
    make_service(code="1.000894", name="Đăng ký kết hôn", status="published")
    page.goto(live_server + "/")
    box = page.get_by_label("Tìm dịch vụ công")
    box.press_sequentially("dang ky kh", delay=30)
    options = page.locator("#home-q-suggestions option")
    options.first.wait_for(state="attached")
    assert options.evaluate_all("os => os.map(o => o.value)") == ["Đăng ký khai sinh"]
    box.fill("")
    box.press_sequentially("DANG KY KE", delay=30)
    page.wait_for_function(
        "() => [...document.querySelectorAll('#home-q-suggestions option')]"
        ".map(o => o.value).join() === 'Đăng ký kết hôn'"
    )
    screenshot(page, "home-suggest")
