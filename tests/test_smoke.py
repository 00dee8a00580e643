def test_home_shows_headline_count(client, make_service):
    make_service(status="published")
    make_service(code="x.2", level=1, forms=[], online_url=None, status="published")
    page = client.get("/")
    assert page.status_code == 200
    assert "1</strong> dịch vụ công trực tuyến" in page.get_data(as_text=True)
