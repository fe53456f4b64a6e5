"""CloudWatch metrics of training jobs, in each protocol botocore can speak for CloudWatch: the series
come from the log lines and end at FinalMetricDataList."""

from __future__ import annotations

import datetime

import botocore.session
import cbor2
import pytest
from botocore.exceptions import ClientError
from botocore.serialize import create_serializer

from simulator.server import services

from .aws_helpers import client, job, mock, run_to_end

NS = "/aws/sagemaker/TrainingJobs"


def test_list_metrics_and_statistics_end_at_the_final_metric_per_job_and_per_host():
    with mock() as aws:
        sm, cw = client("sagemaker"), client("cloudwatch")
        sm.create_training_job(**job("m", instances=2))
        d = run_to_end(aws, sm, "m")
        final = {m["MetricName"]: m for m in d["FinalMetricDataList"]}
        listed = {(m["MetricName"], m["Dimensions"][0]["Name"], m["Dimensions"][0]["Value"])
                  for m in cw.list_metrics(Namespace=NS)["Metrics"]}
        assert listed == {(name, dim, value) for name in final
                          for dim, value in (("TrainingJobName", "m"), ("Host", "m/algo-1"), ("Host", "m/algo-2"))}
        for name, metric in final.items():
            for dimension in ({"Name": "TrainingJobName", "Value": "m"}, {"Name": "Host", "Value": "m/algo-2"}):
                points = cw.get_metric_statistics(
                    Namespace=NS, MetricName=name, Dimensions=[dimension], StartTime=d["CreationTime"],
                    EndTime=d["TrainingEndTime"] + datetime.timedelta(minutes=1), Period=60,
                    Statistics=["Average", "SampleCount"])["Datapoints"]
                last = max(points, key=lambda p: p["Timestamp"])
                assert len(points) > 10 and last["Average"] == metric["Value"]
                assert last["Timestamp"] == metric["Timestamp"].replace(second=0)


def test_get_metric_data_newest_first_and_a_window_in_the_future_is_empty():
    with mock() as aws:
        sm, cw = client("sagemaker"), client("cloudwatch")
        sm.create_training_job(**job("md"))
        d = run_to_end(aws, sm, "md")
        query = {"Id": "q", "MetricStat": {"Metric": {"Namespace": NS, "MetricName": "train:loss",
                                                      "Dimensions": [{"Name": "TrainingJobName", "Value": "md"}]},
                                           "Period": 300, "Stat": "Maximum"}}
        result = cw.get_metric_data(MetricDataQueries=[query], StartTime=d["CreationTime"],
                                    EndTime=d["TrainingEndTime"] + datetime.timedelta(hours=1))["MetricDataResults"][0]
        assert result["Timestamps"] == sorted(result["Timestamps"], reverse=True) and result["StatusCode"] == "Complete"
        day = datetime.timedelta(days=1)
        later = cw.get_metric_data(MetricDataQueries=[query], StartTime=d["TrainingEndTime"] + day,
                                   EndTime=d["TrainingEndTime"] + 2 * day)["MetricDataResults"][0]
        assert later["Values"] == []
        with pytest.raises(ClientError) as caught:
            cw.get_metric_statistics(Namespace=NS, MetricName="train:loss", StartTime=d["CreationTime"],
                                     EndTime=d["CreationTime"], Period=60, Statistics=["Average"])
        assert caught.value.response["Error"]["Code"] == "InvalidParameterValue"


@pytest.mark.parametrize("protocol", ["smithy-rpc-v2-cbor", "json", "query"])
def test_every_protocol_of_cloudwatch_gets_the_same_answer(protocol):
    with mock() as aws:
        sm = client("sagemaker")
        sm.create_training_job(**job("p"))
        d = run_to_end(aws, sm, "p")
        model = botocore.session.get_session().get_service_model("cloudwatch")
        params = {"Namespace": NS, "MetricName": "train:loss",
                  "Dimensions": [{"Name": "TrainingJobName", "Value": "p"}],
                  "StartTime": d["CreationTime"], "EndTime": d["TrainingEndTime"] + datetime.timedelta(minutes=1),
                  "Period": 3600, "Statistics": ["Maximum"]}
        model.metadata["protocol"] = protocol
        request = create_serializer(protocol).serialize_to_request(params, model.operation_model("GetMetricStatistics"))
        body = request["body"]
        if isinstance(body, dict):
            from urllib.parse import urlencode
            body = urlencode(body)
        headers = {k.lower(): v for k, v in request["headers"].items()}
        if protocol == "query":
            headers["content-type"] = "application/x-www-form-urlencoded"
        reply = services.handle(aws.backend, "POST", request["url_path"], headers,
                                body.encode() if isinstance(body, str) else body)
        assert reply.status == 200
        if protocol == "query":
            assert reply.body.startswith(b'<GetMetricStatisticsResponse xmlns="http://monitoring.amazonaws.com/')
            assert b"<Maximum>" in reply.body
        elif protocol == "json":
            assert '"Maximum"' in reply.body.decode()
        else:
            points = cbor2.loads(reply.body)["Datapoints"]
            assert points and isinstance(points[0]["Timestamp"], datetime.datetime)
