# os
import abc
