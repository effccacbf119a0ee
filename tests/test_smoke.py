from tests.factories import chain_file


def test_health_answers_without_token(anon):
    response = anon.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_chain_round_trip(staff):
    file = chain_file()
    created = staff.post("/api/chains", json=file)
    assert created.status_code == 201, created.text
    exported = staff.get("/api/chains/new-display/export")
    assert exported.status_code == 200
    assert exported.json() == file
